#include "nethttp/testing.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace nethttp::testing {

// Target connects DeferredResponses to their recorder. Completions run on the calling thread
// under the recorder's lock, which stands in for "the owning loop".
class ResponseRecorder::Target final : public detail::DeferredTarget {
 public:
  explicit Target(ResponseRecorder* rec) : rec_(rec) {}
  ~Target() override { stop_timer(); }

  void dispatch(std::function<void(ResponseWriter&)> fn, bool finish) override {
    std::unique_lock lock(mu_);
    if (!rec_ || done_) return;
    std::lock_guard rec_lock(rec_->mu_);
    if (fn) fn(*rec_);
    if (finish) {
      done_ = true;
      rec_->finish_locked();
    }
  }

  void arm_timeout(std::chrono::milliseconds d, std::function<void(ResponseWriter&)> on_timeout) override {
    std::lock_guard lock(timer_mu_);
    timer_ = std::jthread([this, d, fn = std::move(on_timeout)](const std::stop_token& st) mutable {
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lk(m);
      if (cv.wait_for(lk, st, d, [] { return false; }); st.stop_requested()) return;
      dispatch(std::move(fn), true);
    });
  }

  bool alive() const noexcept override {
    std::lock_guard lock(mu_);
    return rec_ != nullptr && !done_;
  }

  void detach() {
    stop_timer();
    std::lock_guard lock(mu_);
    rec_ = nullptr;
  }

 private:
  void stop_timer() {
    std::jthread t;
    {
      std::lock_guard lock(timer_mu_);
      t = std::move(timer_);
    }
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) {
      t.request_stop();
      t.join();
    } else if (t.joinable()) {
      t.detach();
    }
  }

  mutable std::recursive_mutex mu_;  // recursive: a completion may call back into the target
  ResponseRecorder* rec_;
  bool done_ = false;
  std::mutex timer_mu_;
  std::jthread timer_;
};

ResponseRecorder::ResponseRecorder() = default;

ResponseRecorder::~ResponseRecorder() {
  if (target_) target_->detach();
}

Headers& ResponseRecorder::headers() { return headers_; }

void ResponseRecorder::write_header(int status) {
  if (wrote_header_) return;
  wrote_header_ = true;
  status_ = status;
  sent_headers_ = headers_;
}

bool ResponseRecorder::write(std::string_view data) {
  if (!wrote_header_) write_header(200);
  body_.append(data);
  return true;
}

bool ResponseRecorder::flush() {
  if (!wrote_header_) write_header(200);
  flushed_ = true;
  return true;
}

bool ResponseRecorder::send_file(FileSlice slice) {
  if (!wrote_header_) write_header(200);
  if (!slice.file || !slice.file->valid()) return false;
  std::string buf(64 * 1024, '\0');
  std::uint64_t off = slice.offset, left = slice.length;
  while (left > 0) {
    ssize_t n =
        ::pread(slice.file->get(), buf.data(), std::min<std::uint64_t>(left, buf.size()), static_cast<off_t>(off));
    if (n <= 0) return false;
    body_.append(buf.data(), static_cast<std::size_t>(n));
    off += static_cast<std::uint64_t>(n);
    left -= static_cast<std::uint64_t>(n);
  }
  return true;
}

DeferredResponse ResponseRecorder::defer() {
  deferred_ = true;
  if (!target_) target_ = std::make_shared<Target>(this);
  return DeferredResponse(target_);
}

int ResponseRecorder::status() const noexcept { return status_; }

std::uint64_t ResponseRecorder::bytes_written() const noexcept { return body_.size(); }

void ResponseRecorder::on_finish(std::function<void(const ResponseStats&)> fn) { on_finish_.push_back(std::move(fn)); }

int ResponseRecorder::code() const {
  std::lock_guard lock(mu_);
  return wrote_header_ ? status_ : 200;
}

const Headers& ResponseRecorder::header_map() const { return wrote_header_ ? sent_headers_ : headers_; }

std::string ResponseRecorder::body() const {
  std::lock_guard lock(mu_);
  return body_;
}

bool ResponseRecorder::flushed() const { return flushed_; }
bool ResponseRecorder::deferred() const { return deferred_; }

void ResponseRecorder::finish() {
  std::lock_guard lock(mu_);
  finish_locked();
}

void ResponseRecorder::finish_locked() {
  if (finished_) return;
  finished_ = true;
  if (!wrote_header_) write_header(200);
  ResponseStats stats{status_, body_.size(), true};
  for (auto& fn : on_finish_) fn(stats);
  cv_.notify_all();
}

bool ResponseRecorder::finished() const {
  std::lock_guard lock(mu_);
  return finished_;
}

bool ResponseRecorder::wait_finished(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return finished_; });
}

std::unique_ptr<ResponseRecorder> serve(const Handler& h, Request& r) {
  auto rec = std::make_unique<ResponseRecorder>();
  h.serve(*rec, r);
  if (!rec->deferred()) rec->finish();
  return rec;
}

ServerConfig test_config() {
  ServerConfig c;
  c.listen = "127.0.0.1:0";
  c.threads = 1;
  c.logger = null_logger();
  return c;
}

TestServer::TestServer(Handler handler, ServerConfig config) : server_(std::move(config), std::move(handler)) {
  if (std::error_code ec = server_.listen()) throw std::system_error(ec, "TestServer: listen");
  thread_ = std::thread([this] { server_.serve(); });
}

TestServer::~TestServer() {
  server_.shutdown(std::chrono::milliseconds(2000));
  if (thread_.joinable()) thread_.join();
}

std::string TestServer::url() const { return "http://127.0.0.1:" + std::to_string(port()); }

}  // namespace nethttp::testing
