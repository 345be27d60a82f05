// access_log: one line per finished response, written by spdlog's asynchronous logger.
//
// The loop thread formats the line and hands it to a bounded queue (overrun_oldest: under
// overload the oldest lines are dropped, never blocking a loop); one spdlog worker thread
// writes. FlushSink sits between the logger and the real sink so that AccessLog::flush()
// can wait for its own flush request to be carried out: requests are numbered, and the
// worker handles them in queue order, so "processed >= my ticket" means every line queued
// before my request is out. FlushSink also owns the destination sink, which reopen() swaps
// for a new one under the sink's mutex (the worker writes under the same mutex).

#include <fcntl.h>
#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "middleware/access_log_format.hpp"
#include "nethttp/middleware.hpp"

namespace nethttp {

namespace {

class FlushSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  FlushSink(spdlog::sink_ptr inner, bool flush_every_line)
      : inner_(std::move(inner)), flush_every_line_(flush_every_line) {
    inner_->set_pattern("%v");  // the line is fully formatted already
  }

  // replace swaps in a new destination, flushing the old one; lines after this go to inner.
  void replace(spdlog::sink_ptr inner) {
    inner->set_pattern("%v");
    std::lock_guard lock(mutex_);  // base_sink's: held while the worker writes
    inner_->flush();
    inner_.swap(inner);
  }

  // wait_flushed waits until flush request `ticket` has been carried out.
  bool wait_flushed(std::uint64_t ticket, std::chrono::milliseconds timeout) {
    std::unique_lock lock(done_mu_);
    return done_cv_.wait_for(lock, timeout, [&] { return done_ >= ticket; });
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    inner_->log(msg);
    if (flush_every_line_) inner_->flush();
  }
  void flush_() override {
    inner_->flush();
    std::lock_guard lock(done_mu_);
    ++done_;
    done_cv_.notify_all();  // under the lock: a woken flush() may go on to destroy us
  }

 private:
  spdlog::sink_ptr inner_;
  const bool flush_every_line_;
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::uint64_t done_ = 0;  // flush requests carried out; guarded by done_mu_
};

// CallbackSink hands each line to the application's AccessLogOptions::sink.
class CallbackSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit CallbackSink(std::function<void(std::string_view)> fn) : fn_(std::move(fn)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    try {
      fn_(std::string_view(msg.payload.data(), msg.payload.size()));
    } catch (...) {  // documented: the line is dropped, the writer thread lives on
    }
  }
  void flush_() override {}

 private:
  std::function<void(std::string_view)> fn_;
};

bool is_file_destination(const AccessLogOptions& options) {
  return !options.sink && options.destination != "stdout" && options.destination != "stderr";
}

spdlog::sink_ptr open_destination(const std::string& destination) {
  if (destination == "stdout") return std::make_shared<spdlog::sinks::stdout_sink_mt>();
  if (destination == "stderr") return std::make_shared<spdlog::sinks::stderr_sink_mt>();
  try {
    return std::make_shared<spdlog::sinks::basic_file_sink_mt>(destination, /*truncate=*/false);
  } catch (const spdlog::spdlog_ex& e) {
    throw std::runtime_error("access log: cannot open " + destination + ": " + e.what());
  }
}

}  // namespace

class AccessLog::State {
 public:
  explicit State(const AccessLogOptions& options)
      : format_(options.format),
        // One writer thread: lines stay in order, and the loops never touch the disk.
        pool_(std::make_shared<spdlog::details::thread_pool>(std::max<std::size_t>(options.queue_lines, 1), 1)),
        path_(is_file_destination(options) ? options.destination : std::string()),
        sink_(std::make_shared<FlushSink>(options.sink ? spdlog::sink_ptr(std::make_shared<CallbackSink>(options.sink))
                                                       : open_destination(options.destination),
                                          options.flush_every_line)),
        logger_(std::make_shared<spdlog::async_logger>("nethttp.access", sink_, pool_,
                                                       spdlog::async_overflow_policy::overrun_oldest)) {
    logger_->set_level(spdlog::level::info);
  }

  ~State() {
    // Stop the writer thread first: its destructor writes out what is queued and joins, so
    // nothing on that thread can still touch the sink or logger destroyed after this.
    pool_.reset();
  }

  void log(const detail::AccessLogEntry& entry) {
    std::string line = detail::format_access_line(format_, entry);
    logger_->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
  }

  bool flush(std::chrono::milliseconds timeout) {
    std::uint64_t ticket = ++flush_requests_;
    logger_->flush();
    return sink_->wait_flushed(ticket, timeout);
  }

  std::error_code reopen() {
    if (path_.empty()) return {};
    std::lock_guard lock(reopen_mu_);  // one reopen at a time
    // Try the path first, for an errno to report: spdlog's exception carries only text.
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return {errno, std::system_category()};
    ::close(fd);
    spdlog::sink_ptr fresh;
    try {
      fresh = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path_, /*truncate=*/false);
    } catch (const spdlog::spdlog_ex&) {
      return std::make_error_code(std::errc::io_error);
    }
    sink_->replace(std::move(fresh));
    return {};
  }

 private:
  const AccessLogFormat format_;
  // The only owner of the writer thread (the logger holds it weakly); reset first in ~State.
  std::shared_ptr<spdlog::details::thread_pool> pool_;
  const std::string path_;  // the file reopen() opens again; "" for stdout, stderr, a sink
  std::mutex reopen_mu_;
  std::shared_ptr<FlushSink> sink_;
  std::shared_ptr<spdlog::async_logger> logger_;
  std::atomic<std::uint64_t> flush_requests_{0};
};

AccessLog::AccessLog(const AccessLogOptions& options) : state_(std::make_shared<State>(options)) {}

bool AccessLog::flush(std::chrono::milliseconds timeout) const { return state_->flush(timeout); }

std::error_code AccessLog::reopen() const { return state_->reopen(); }

Middleware AccessLog::middleware() const {
  return [state = state_](Handler next) -> Handler {
    return [state, next = std::move(next)](ResponseWriter& w, Request& r) {
      auto started = std::chrono::steady_clock::now();
      // The request is reused once we return, so its fields are copied now; the line is
      // written when the response is done, with its real status and size.
      w.on_finish([state, started, entry = detail::AccessLogEntry::capture(r)](const ResponseStats& stats) mutable {
        entry.stats = stats;
        entry.duration = std::chrono::steady_clock::now() - started;
        state->log(entry);
      });
      next.serve(w, r);
    };
  };
}

std::function<void(const Request&, const ResponseStats&)> AccessLog::reject_observer() const {
  return [state = state_](const Request& r, const ResponseStats& stats) {
    detail::AccessLogEntry entry = detail::AccessLogEntry::capture(r);
    entry.stats = stats;
    state->log(entry);
  };
}

Middleware access_log(const AccessLogOptions& options) { return AccessLog(options).middleware(); }

}  // namespace nethttp
