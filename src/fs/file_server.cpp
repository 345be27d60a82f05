// file_server(), serve_file() and serve_content(): from a request path to a file, then to a
// representation (content.cpp does conditionals, ranges and the body).
//
// The order of decisions, for GET and HEAD, follows Go's serveFile with nginx's habits:
//   1. clean the path: ".." or backslash -> 400, dotfile -> 404 (safe_path.cpp);
//   2. ".../index.html" -> 301 "./";
//   3. open beneath the root (through this loop's open-file cache); errno -> 404/403/500,
//      or the SPA fallback for a missing extensionless path;
//   4. a directory: without its trailing slash -> 301 "./NAME/"; else its index file, else
//      a listing if enabled, else 404;
//   5. a regular file: with a trailing slash -> 301 "../NAME"; else pick a precompressed
//      sibling if allowed, set the headers and serve the representation.
// Anything else (FIFO, device, socket) is a 404.

#include "nethttp/file_server.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>

#include "fs/accept_encoding.hpp"
#include "fs/content.hpp"
#include "fs/dir_listing.hpp"
#include "fs/http_date.hpp"
#include "fs/mime.hpp"
#include "fs/open_file_cache.hpp"
#include "fs/safe_path.hpp"
#include "nethttp/logger.hpp"

namespace nethttp {

namespace {

using detail::OpenedFile;

// FileSource is where a request's files come from: beneath a root (file_server) or the
// plain file system (serve_file).
class FileSource {
 public:
  virtual ~FileSource() = default;
  virtual OpenedFile open(const std::string& path) = 0;
  virtual detail::OpenResult open_directory(const std::string& path) = 0;
};

// RootedSource opens beneath a root descriptor, through the loop's cache when there is one.
class RootedSource final : public FileSource {
 public:
  RootedSource(int root_fd, detail::OpenFileCache* cache) : root_fd_(root_fd), cache_(cache) {}
  OpenedFile open(const std::string& path) override {
    if (cache_ == nullptr) return detail::open_file(root_fd_, path);
    return cache_->get(root_fd_, path, detail::OpenFileCache::Clock::now());
  }
  detail::OpenResult open_directory(const std::string& path) override {
    return detail::open_beneath(root_fd_, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }

 private:
  int root_fd_;
  detail::OpenFileCache* cache_;
};

// PlainSource opens paths as given (serve_file: the caller, not the client, chose them).
class PlainSource final : public FileSource {
 public:
  OpenedFile open(const std::string& path) override { return detail::open_plain_file(path); }
  detail::OpenResult open_directory(const std::string& path) override {
    detail::OpenResult r;
    r.fd.reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!r.fd) r.error = errno;
    return r;
  }
};

std::string join(std::string_view dir, std::string_view name) {
  if (dir.empty() || dir == ".") return std::string(name);
  std::string out(dir);
  if (out.back() != '/') out += '/';
  out += name;
  return out;
}

// last_segment returns the last non-empty segment of a slash-separated path.
std::string_view last_segment(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

void append_hex(std::string& out, unsigned long long v) {
  std::array<char, 16> digits{};  // 64 bits are at most 16 hex digits
  auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), v, 16);
  out.append(digits.data(), ec == std::errc() ? end : digits.data());
}

// make_etag derives a strong validator from what changes when the file does: size and
// modification time in nanoseconds (nginx uses mtime in seconds and size). Not the inode:
// it tells clients about the server's file system, and differs between replicas.
std::string make_etag(const struct stat& st) {
  auto ns = static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1'000'000'000ULL +
            static_cast<unsigned long long>(st.st_mtim.tv_nsec);
  std::string out;
  out.reserve(36);
  out += '"';
  append_hex(out, static_cast<unsigned long long>(st.st_size));
  out += '-';
  append_hex(out, ns);
  out += '"';
  return out;
}

// fail answers with the status an errno deserves (nginx's static module: not found,
// forbidden, or internal error), with Go's short texts and no internal detail.
void fail_errno(ResponseWriter& w, int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case EXDEV:  // escape attempt refused by RESOLVE_BENEATH or the walk: do not tell
    case ELOOP:
    case ENAMETOOLONG:
    case ENXIO:  // a socket (or a device without its driver) in the tree: not a file to serve
    case ENODEV: error(w, "404 page not found", Status::NotFound); return;
    case EACCES:
    case EPERM: error(w, "403 Forbidden", Status::Forbidden); return;
    default: error(w, "500 Internal Server Error", Status::InternalServerError);
  }
}

void not_found(ResponseWriter& w) { error(w, "404 page not found", Status::NotFound); }

// local_redirect answers 301 with a relative Location (so it works below strip_prefix),
// keeping the query string, like Go's localRedirect.
void local_redirect(ResponseWriter& w, const Request& r, std::string location) {
  if (!r.raw_query().empty()) {
    location += '?';
    location += r.raw_query();
  }
  w.headers().set("Location", location);
  w.write_header(Status::MovedPermanently);
}

bool allowed_method(ResponseWriter& w, const Request& r) {
  if (r.method() == "GET" || r.method() == "HEAD") return true;
  w.headers().set("Allow", "GET, HEAD");
  error(w, "405 method not allowed", Status::MethodNotAllowed);
  return false;
}

std::string accept_encoding(const Request& r) {
  std::string out;
  for (std::string_view v : r.headers().values("Accept-Encoding")) {
    if (!out.empty()) out += ',';
    out += v;
  }
  return out;
}

void add_vary(Headers& h, std::string_view value) {
  for (std::string_view v : h.values("Vary")) {
    if (iequals(v, value)) return;
  }
  h.add("Vary", value);
}

// serve_regular sends the regular file at path (already opened as file). type_name is the
// name whose extension decides the Content-Type.
void serve_regular(ResponseWriter& w, const Request& r, FileSource& source, const std::string& path,
                   const OpenedFile& file, std::string_view type_name, const FileServerOptions& options) {
  Headers& h = w.headers();
  std::string type;
  bool compressible = false;
  if (h.has("Content-Type")) {  // set by the caller: look it up
    type = h.get("Content-Type");
    compressible = detail::is_compressible(type);
  } else if (const detail::MimeEntry* mime = detail::find_mime(type_name)) {
    type = mime->content_type;
    compressible = mime->compressible || mime->content_type.starts_with("text/");
  } else {
    type = detail::kDefaultContentType;
  }
  const OpenedFile* chosen = &file;
  OpenedFile sibling;
  std::string_view coding;
  if (options.precompressed && compressible) {
    add_vary(h, "Accept-Encoding");
    // Ranges are served from the identity file: a range of a compressed variant is a
    // range of bytes the client cannot decode on its own.
    if (!r.headers().has("Range")) {
      detail::CodingPreference pref = detail::accepted_codings(accept_encoding(r));
      for (std::size_t i = 0; i < pref.count; ++i) {
        OpenedFile candidate = source.open(path + std::string(pref.order[i].suffix));
        // A sibling older than its original is stale (the original was edited and the
        // sibling not rebuilt); serving it would roll the content back.
        bool fresh = candidate.is_regular() && (candidate.st.st_mtim.tv_sec > file.st.st_mtim.tv_sec ||
                                                (candidate.st.st_mtim.tv_sec == file.st.st_mtim.tv_sec &&
                                                 candidate.st.st_mtim.tv_nsec >= file.st.st_mtim.tv_nsec));
        if (fresh && candidate.fd) {
          sibling = std::move(candidate);
          chosen = &sibling;
          coding = pref.order[i].coding;
          break;
        }
      }
    }
  }
  h.set("Content-Type", type);
  h.set("X-Content-Type-Options", "nosniff");
  if (!coding.empty()) h.set("Content-Encoding", coding);
  std::string etag = make_etag(chosen->st);
  h.set("ETag", etag);
  std::optional<std::time_t> modified;
  if (chosen->st.st_mtim.tv_sec > 0) {
    modified = chosen->st.st_mtim.tv_sec;
    h.set("Last-Modified", detail::format_http_date(*modified));
  }
  if (!options.cache_control.empty()) h.set("Cache-Control", options.cache_control);
  auto size = static_cast<std::uint64_t>(chosen->st.st_size);
  detail::Body body{FileSlice{chosen->fd, 0, size}, {}};
  detail::serve_representation(w, r, body, etag, modified);
}

void serve_listing(ResponseWriter& w, const Request& r, FileSource& source, const std::string& path,
                   const FileServerOptions& options) {
  detail::OpenResult dir = source.open_directory(path);
  if (!dir.fd) {
    fail_errno(w, dir.error);
    return;
  }
  detail::DirectoryContents contents = detail::read_directory(std::move(dir.fd), options.allow_dotfiles);
  if (contents.error != 0) {
    fail_errno(w, contents.error);
    return;
  }
  Headers& h = w.headers();
  h.set("Content-Type", "text/html; charset=utf-8");
  h.set("X-Content-Type-Options", "nosniff");
  w.write(detail::render_listing(r.path().empty() ? std::string_view("/") : r.path(), contents));
}

// serve_path serves fs_path (opened through source) for a request whose path is url_path.
// spa_root, when not null, is the path of the index file served for missing paths.
void serve_path(ResponseWriter& w, const Request& r, FileSource& source, std::string_view url_path,
                const std::string& fs_path, const FileServerOptions& options, const std::string* spa_root) {
  const std::string index_suffix = "/" + options.index_file;
  if (!options.index_file.empty() && url_path.ends_with(index_suffix)) {
    local_redirect(w, r, "./");
    return;
  }
  OpenedFile file = source.open(fs_path);
  if (!file.ok()) {
    bool missing = file.error == ENOENT || file.error == ENOTDIR;
    if (missing && spa_root != nullptr && last_segment(url_path).find('.') == std::string_view::npos) {
      OpenedFile index = source.open(*spa_root);
      if (index.is_regular() && index.fd) {
        serve_regular(w, r, source, *spa_root, index, options.index_file, options);
        return;
      }
    }
    fail_errno(w, file.error);
    return;
  }
  if (file.is_directory()) {
    if (!url_path.ends_with('/')) {
      std::string_view base = last_segment(url_path);
      local_redirect(w, r, "./" + detail::escape_path_segment(base) + "/");
      return;
    }
    if (!options.index_file.empty()) {
      std::string index_path = join(fs_path, options.index_file);
      OpenedFile index = source.open(index_path);
      if (index.is_regular() && index.fd) {
        serve_regular(w, r, source, index_path, index, options.index_file, options);
        return;
      }
      if (!index.ok() && index.error != ENOENT && index.error != ENOTDIR) {
        fail_errno(w, index.error);
        return;
      }
    }
    if (options.list_directories) {
      serve_listing(w, r, source, fs_path, options);
      return;
    }
    not_found(w);
    return;
  }
  if (!file.is_regular() || !file.fd) {
    not_found(w);  // FIFOs, devices and sockets are never served
    return;
  }
  if (url_path.size() > 1 && url_path.ends_with('/')) {
    local_redirect(w, r, "../" + detail::escape_path_segment(last_segment(url_path)));
    return;
  }
  serve_regular(w, r, source, fs_path, file, fs_path, options);
}

// LazyRoot is the root directory's descriptor, opened when file_server() is called or, if
// the directory did not exist then, by the first request after it was created (Go's
// http.Dir opens per request, so a missing root is a 404 until it appears). Thread-safe:
// every loop may call get() at once; once open, the descriptor never changes.
class LazyRoot {
 public:
  explicit LazyRoot(std::string path) : path_(std::move(path)) {}

  // open tries once to open the directory; returns 0 or the errno.
  int open() {
    std::lock_guard lock(mu_);
    if (fd_.load(std::memory_order_relaxed) >= 0) return 0;
    owned_.reset(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!owned_) return errno;
    fd_.store(owned_.get(), std::memory_order_release);
    return 0;
  }

  // get returns the root's descriptor, or -1 while the directory still cannot be opened.
  int get() {
    int fd = fd_.load(std::memory_order_acquire);
    if (fd < 0 && open() == 0) fd = fd_.load(std::memory_order_acquire);
    return fd;
  }

 private:
  std::string path_;
  std::mutex mu_;
  UniqueFd owned_;           // guarded by mu_; set once
  std::atomic<int> fd_{-1};  // owned_.get() once it is open
};

// FileServerState is shared by every copy of a file_server Handler and every loop.
// Immutable after construction apart from the root's one-time opening; it is also the key of
// each loop's open-file cache.
struct FileServerState {
  explicit FileServerState(std::string root_dir) : root(std::move(root_dir)) {}
  mutable LazyRoot root;
  FileServerOptions options;
  std::string spa_index;  // the index file's path beneath the root
};

class FileServer {
 public:
  explicit FileServer(std::shared_ptr<const FileServerState> state) : state_(std::move(state)) {}

  void serve(ResponseWriter& w, Request& r) const {
    if (!allowed_method(w, r)) return;
    const FileServerOptions& o = state_->options;
    std::string url_path(r.path());
    if (url_path.empty() || url_path.front() != '/') url_path.insert(0, 1, '/');
    detail::CleanPath clean = detail::clean_request_path(url_path, o.allow_dotfiles, o.allow_well_known);
    if (clean.verdict == detail::PathVerdict::bad_request) {
      error(w, "400 bad request", Status::BadRequest);
      return;
    }
    if (clean.verdict == detail::PathVerdict::hidden) {
      not_found(w);
      return;
    }
    detail::OpenFileCache* cache = nullptr;
    if (o.open_file_cache_entries > 0) {
      cache =
          &detail::loop_cache(state_, o.open_file_cache_entries, o.open_file_cache_valid, o.open_file_cache_inactive);
    }
    int root_fd = state_->root.get();
    if (root_fd < 0) {  // the root directory does not exist (yet): warned about at startup
      not_found(w);
      return;
    }
    RootedSource source(root_fd, cache);
    serve_path(w, r, source, url_path, clean.relative, o,
               o.spa_fallback && !o.index_file.empty() ? &state_->spa_index : nullptr);
  }

 private:
  std::shared_ptr<const FileServerState> state_;
};

bool has_dot_dot_segment(std::string_view path) {
  for (;;) {
    std::size_t slash = path.find('/');
    if (path.substr(0, slash) == "..") return true;
    if (slash == std::string_view::npos) return false;
    path.remove_prefix(slash + 1);
  }
}

struct ContentValidators {
  std::string etag;
  std::optional<std::time_t> modified;
};

// prepare_content sets serve_content's headers, keeping what the caller set, and returns
// the validators to evaluate conditions against.
ContentValidators prepare_content(ResponseWriter& w, std::string_view name, std::time_t modtime) {
  Headers& h = w.headers();
  if (!h.has("Content-Type")) h.set("Content-Type", detail::content_type_for(name));
  if (!h.has("X-Content-Type-Options")) h.set("X-Content-Type-Options", "nosniff");
  ContentValidators v;
  if (modtime > 0) {
    v.modified = modtime;
    h.set("Last-Modified", detail::format_http_date(modtime));
  }
  v.etag = h.get("ETag");
  return v;
}

}  // namespace

// NOLINTNEXTLINE(performance-unnecessary-value-param): the public signature stays as declared
Handler file_server(std::string root_dir, FileServerOptions options) {
  auto state = std::make_shared<FileServerState>(root_dir);
  if (int err = state->root.open(); err != 0) {
    if (err != ENOENT || options.require_root) {
      throw std::system_error(err, std::system_category(), "file_server: cannot open root directory " + root_dir);
    }
    default_logger()->log(LogLevel::Warn, "file_server: root directory \"" + root_dir +
                                              "\" does not exist; every request gets 404 until it is "
                                              "created (mkdir -p " +
                                              root_dir + " and put files in it)");
  }
  state->spa_index = options.index_file;
  state->options = std::move(options);
  return FileServer(std::move(state));
}

void serve_file(ResponseWriter& w, const Request& r, std::string_view path, const FileServerOptions& options) {
  if (!allowed_method(w, r)) return;
  // Go's precaution: the caller may have built path from the request path.
  if (has_dot_dot_segment(r.path()) || r.path().find('\\') != std::string_view::npos) {
    error(w, "400 bad request", Status::BadRequest);
    return;
  }
  std::string url_path(r.path());
  if (url_path.empty() || url_path.front() != '/') url_path.insert(0, 1, '/');
  PlainSource source;
  serve_path(w, r, source, url_path, std::string(path), options, nullptr);
}

void serve_content(ResponseWriter& w, const Request& r, std::string_view name, std::time_t modtime, FileSlice content) {
  ContentValidators v = prepare_content(w, name, modtime);
  detail::serve_representation(w, r, detail::Body{std::move(content), {}}, v.etag, v.modified);
}

void serve_content(ResponseWriter& w, const Request& r, std::string_view name, std::time_t modtime,
                   std::string_view content) {
  ContentValidators v = prepare_content(w, name, modtime);
  detail::serve_representation(w, r, detail::Body{{}, content}, v.etag, v.modified);
}

}  // namespace nethttp
