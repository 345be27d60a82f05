#include "fs/dir_listing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "core/escape.hpp"

namespace nethttp::detail {

namespace {

struct DirCloser {
  void operator()(DIR* d) const noexcept { ::closedir(d); }
};
using DirHandle = std::unique_ptr<DIR, DirCloser>;

}  // namespace

DirectoryContents read_directory(UniqueFd dir, bool show_dotfiles) {
  DirectoryContents out;
  int fd = dir.get();
  DirHandle d(::fdopendir(fd));
  if (!d) {
    out.error = errno;
    return out;  // dir still owns fd and closes it
  }
  (void)dir.release();  // the DIR stream owns the descriptor now
  for (;;) {
    errno = 0;
    dirent* e = ::readdir(d.get());
    if (e == nullptr) {
      if (errno != 0) out.error = errno;
      break;
    }
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (!show_dotfiles && name.front() == '.') continue;
    if (out.entries.size() == kMaxListedEntries) {
      out.truncated = true;
      break;
    }
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {  // some file systems do not fill d_type
      struct stat st {};
      is_dir = ::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    out.entries.push_back(DirEntryInfo{std::string(name), is_dir});
  }
  std::sort(out.entries.begin(), out.entries.end(),
            [](const DirEntryInfo& a, const DirEntryInfo& b) { return a.name < b.name; });
  return out;
}

std::string escape_path_segment(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_percent_encoded(out, s, [](unsigned char c) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    return !unreserved;
  });
  return out;
}

std::string render_listing(std::string_view title, const DirectoryContents& contents) {
  std::string t = escape_html(title);
  std::string out;
  out.reserve(256 + contents.entries.size() * 96);
  out +=
      "<!doctype html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Index of ";
  out += t;
  out += "</title>\n</head>\n<body>\n<h1>Index of ";
  out += t;
  out += "</h1>\n<pre>\n";
  for (const DirEntryInfo& e : contents.entries) {
    std::string slash = e.is_dir ? "/" : "";
    out += "<a href=\"./";
    out += escape_path_segment(e.name);
    out += slash;
    out += "\">";
    append_html_escaped(out, e.name);
    out += slash;
    out += "</a>\n";
  }
  if (contents.truncated) out += "\xE2\x80\xA6 (listing truncated)\n";
  out += "</pre>\n</body>\n</html>\n";
  return out;
}

}  // namespace nethttp::detail
