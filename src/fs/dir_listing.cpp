#include "fs/dir_listing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <memory>

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

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_path_segment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string render_listing(std::string_view title, const DirectoryContents& contents) {
  std::string t = html_escape(title);
  std::string out;
  out.reserve(256 + contents.entries.size() * 96);
  out += "<!doctype html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
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
    out += html_escape(e.name);
    out += slash;
    out += "</a>\n";
  }
  if (contents.truncated) out += "\xE2\x80\xA6 (listing truncated)\n";
  out += "</pre>\n</body>\n</html>\n";
  return out;
}

}  // namespace nethttp::detail
