// The upload handler: the loop thread only moves body chunks to the worker pool; a worker
// parses the multipart framing, writes file parts and then asks for the next chunk, so one
// chunk per upload is in flight and the client is throttled to the disk's pace.

#include "upload.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "nethttp/body_reader.hpp"
#include "nethttp/logger.hpp"
#include "nethttp/multipart.hpp"
#include "nethttp/unique_fd.hpp"

namespace examples {

namespace {

void log_info(const std::string& line) {
  static const std::shared_ptr<nethttp::Logger> logger = nethttp::default_logger();
  if (logger->enabled(nethttp::LogLevel::Info)) logger->log(nethttp::LogLevel::Info, line);
}

std::string mib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

// Upload is one request's state. The loop thread touches only reader and done (through
// thread-safe calls); everything else belongs to whichever worker runs the upload's one
// outstanding task.
class Upload : public std::enable_shared_from_this<Upload> {
 public:
  Upload(nethttp::WorkerPool& pool, std::shared_ptr<const UploadOptions> options, std::string_view boundary,
         nethttp::BodyReader reader, nethttp::DeferredResponse done)
      : pool_(pool),
        options_(std::move(options)),
        reader_(std::move(reader)),
        done_(std::move(done)),
        form_(boundary, form_limits()) {
    form_.on_file_begin = [this](const nethttp::MultipartPart& part) { begin_part(part); };
    form_.on_file_data = [this](std::string_view data) { write_part(data); };
    form_.on_file_end = [this] { end_part(); };
  }

  // next asks for the next chunk (loop thread at first, then workers).
  void next() {
    reader_.read([self = shared_from_this()](nethttp::BodyChunk& c) { self->on_chunk(c); });
  }

 private:
  // on_chunk runs on the loop thread: hand the chunk's storage (no copy) to a worker.
  void on_chunk(nethttp::BodyChunk& c) {
    bool queued = false;
    if (c.event == nethttp::BodyEvent::Data) {
      queued = pool_.try_submit([self = shared_from_this(), data = c.take()] { self->feed(data); });
    } else if (c.event == nethttp::BodyEvent::End) {
      queued = pool_.try_submit([self = shared_from_this()] { self->finish(); });
    } else {
      // The server has answered (413, 408, 400) or the client is gone: clean up.
      queued = pool_.try_submit([self = shared_from_this()] { self->abandon("the body did not arrive whole"); });
    }
    if (!queued) {
      done_.complete([](nethttp::ResponseWriter& w) {
        nethttp::error(w, "503 service unavailable: too many uploads", nethttp::Status::ServiceUnavailable);
      });
      remove_created();  // the pool is saturated: the file descriptor goes with this object
    }
  }

  // form_limits: plain fields (the form's note) are collected, at most 100 and 64 KiB.
  static nethttp::MultipartFormLimits form_limits() {
    nethttp::MultipartFormLimits limits;
    limits.max_fields = 100;
    limits.max_value_bytes = 64 * 1024;
    return limits;
  }

  void feed(const std::string& data) {
    const nethttp::MultipartFormError e = form_.feed(data);
    if (!e.ok()) return reject(e);
    if (!io_error_.empty()) return abandon(io_error_);
    next();
  }

  void finish() {
    const nethttp::MultipartFormError e = form_.finish();
    if (!e.ok()) return reject(e);
    if (!io_error_.empty()) return abandon(io_error_);
    std::string body;
    for (const std::string& line : saved_) body += line + "\n";
    if (saved_.empty()) body = "no files in the form\n";
    for (const auto& [name, value] : form_.values()) body += "field " + name + ": " + value + "\n";
    done_.complete([body = std::move(body)](nethttp::ResponseWriter& w) {
      w.headers().set("Content-Type", "text/plain; charset=utf-8");
      w.write(body);
    });
  }

  void reject(nethttp::MultipartFormError e) {
    remove_created();
    const std::string message = std::string(e.message());
    log_info("upload: refused: " + message);
    done_.complete([message, status = e.status()](nethttp::ResponseWriter& w) { nethttp::error(w, message, status); });
  }

  void abandon(const std::string& why) {
    remove_created();
    log_info("upload: abandoned: " + why);
    done_.complete([why](nethttp::ResponseWriter& w) {
      nethttp::error(w, "500 internal server error: " + why, nethttp::Status::InternalServerError);
    });
  }

  void begin_part(const nethttp::MultipartPart& part) {
    if (!io_error_.empty()) return;  // only file parts come here: form_ collects the fields
    const std::string base = sanitize_filename(part.filename);
    for (int n = 0; n < 1000 && !file_; ++n) {
      std::string name = base;
      if (n > 0) {
        const std::size_t dot = base.rfind('.');
        const std::size_t at = dot == std::string::npos || dot == 0 ? base.size() : dot;
        name = base.substr(0, at) + "-" + std::to_string(n) + base.substr(at);
      }
      const std::filesystem::path path = options_->dir / name;
      nethttp::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
      if (fd) {
        file_ = std::move(fd);
        path_ = path;
        name_ = name;
        created_.push_back(path);
      } else if (errno != EEXIST) {
        io_error_ = "cannot create " + name + ": " + std::strerror(errno);
        return;
      }
    }
    if (!file_) io_error_ = "no free name for " + base;
    bytes_ = 0;
    next_progress_ = options_->progress_every;
  }

  void write_part(std::string_view data) {
    if (!file_ || !io_error_.empty()) return;
    while (!data.empty()) {
      const ssize_t n = ::write(file_.get(), data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        io_error_ = "cannot write " + name_ + ": " + std::strerror(errno);
        return;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
      bytes_ += static_cast<std::uint64_t>(n);
    }
    if (bytes_ >= next_progress_) {
      log_info("upload: " + name_ + ": " + mib(bytes_) + " so far");
      next_progress_ += options_->progress_every;
    }
  }

  void end_part() {
    if (!file_) return;
    file_.reset();
    if (!io_error_.empty()) return;
    log_info("upload: saved " + path_.string() + " (" + std::to_string(bytes_) + " bytes, " + mib(bytes_) + ")");
    saved_.push_back("saved " + name_ + " " + std::to_string(bytes_));
  }

  void remove_created() {
    file_.reset();
    std::error_code ec;
    for (const std::filesystem::path& p : created_) std::filesystem::remove(p, ec);
    created_.clear();
  }

  nethttp::WorkerPool& pool_;
  std::shared_ptr<const UploadOptions> options_;
  nethttp::BodyReader reader_;
  nethttp::DeferredResponse done_;
  nethttp::MultipartForm form_;
  nethttp::UniqueFd file_;
  std::filesystem::path path_;
  std::string name_;
  std::uint64_t bytes_ = 0;
  std::uint64_t next_progress_ = 0;
  std::vector<std::filesystem::path> created_;
  std::vector<std::string> saved_;
  std::string io_error_;
};

}  // namespace

std::string sanitize_filename(std::string_view filename) {
  const std::size_t slash = filename.find_last_of("/\\");
  if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
  std::string out;
  for (char c : filename) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    out.push_back(ok ? c : '_');
    if (out.size() == 100) break;
  }
  const std::size_t first = out.find_first_not_of('.');
  out.erase(0, first == std::string::npos ? out.size() : first);
  return out.empty() ? "upload" : out;
}

nethttp::Handler upload_handler(nethttp::WorkerPool& pool, UploadOptions options) {
  auto opts = std::make_shared<const UploadOptions>(std::move(options));
  return nethttp::streaming([&pool, opts](nethttp::ResponseWriter& w, nethttp::Request& r) {
    const std::string boundary = nethttp::multipart_boundary(r.header("Content-Type"));
    if (boundary.empty() || !r.body_streaming()) {
      nethttp::error(w, "400 bad request: expected a multipart/form-data body", nethttp::Status::BadRequest);
      return;
    }
    nethttp::BodyReader reader = r.body_reader();
    reader.set_limit(opts->max_bytes);
    log_info("upload: from " + std::string(r.remote_addr()) + ", " +
             (r.header("Content-Length").empty() ? std::string("chunked")
                                                 : std::string(r.header("Content-Length")) + " bytes"));
    auto upload = std::make_shared<Upload>(pool, opts, boundary, std::move(reader), w.defer());
    upload->next();
  });
}

std::string_view upload_form() {
  return R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>nethttp upload</title></head>
<body>
<h1>Upload files</h1>
<form method="post" action="/upload" enctype="multipart/form-data">
  <p><input type="file" name="file" multiple></p>
  <p><label>Note <input type="text" name="note"></label></p>
  <p><button type="submit">Upload</button></p>
</form>
</body>
</html>
)";
}

}  // namespace examples
