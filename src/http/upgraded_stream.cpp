#include "http/upgraded_stream.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <utility>

#include "core/header_list.hpp"
#include "http/guard_call.hpp"
#include "http/loop_context.hpp"
#include "http/takeover.hpp"
#include "tls/tls_stream.hpp"

namespace nethttp {

namespace detail {

namespace {
constexpr std::size_t kWriteBudget = 4 * 1024 * 1024;  // per turn, as for connections

// has_token reports whether the comma-separated list holds token (case-insensitive).
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

class StreamTakeover final : public Takeover {
 public:
  explicit StreamTakeover(std::function<void(std::shared_ptr<UpgradedStream>)> fn) : fn_(std::move(fn)) {}
  void run(LoopContext& ctx, UniqueFd fd, std::string leftover, std::string remote,
           std::unique_ptr<TlsStream> tls) noexcept override {
    try {
      const std::uint64_t token = kUpgradedTokenBit | ctx.next_upgraded_token++;
      auto stream = std::make_shared<UpgradedConn>(ctx, std::move(fd), std::move(leftover), std::move(remote), token,
                                                   std::move(tls));
      if (!stream->start()) return;
      ctx.upgraded.emplace(token, stream);
      try {
        fn_(stream);
      } catch (const std::exception& e) {
        if (ctx.logger.enabled(LogLevel::Error))
          ctx.logger.log(LogLevel::Error, std::string("upgrade callback threw: ") + e.what());
        stream->abort();
        return;
      }
      stream->pump();  // the bytes that came with the request, then the socket
    } catch (...) {    // no memory: the descriptor closes with the stream
    }
  }

 private:
  std::function<void(std::shared_ptr<UpgradedStream>)> fn_;
};

class HijackTakeover final : public Takeover {
 public:
  explicit HijackTakeover(std::function<void(HijackedConnection)> fn) : fn_(std::move(fn)) {}
  void run(LoopContext& ctx, UniqueFd fd, std::string leftover, std::string remote,
           std::unique_ptr<TlsStream> tls) noexcept override {
    if (tls) return;  // never armed over TLS (see hijack()): the socket closes with it
    try {
      fn_(HijackedConnection{std::move(fd), std::move(leftover), std::move(remote)});
    } catch (const std::exception& e) {
      if (ctx.logger.enabled(LogLevel::Error))
        ctx.logger.log(LogLevel::Error, std::string("hijack callback threw: ") + e.what());
    } catch (...) {}
  }

 private:
  std::function<void(HijackedConnection)> fn_;
};

}  // namespace

UpgradedConn::UpgradedConn(LoopContext& ctx, UniqueFd fd, std::string leftover, std::string remote, std::uint64_t token,
                           std::unique_ptr<TlsStream> tls)
    : ctx_(ctx),
      fd_(std::move(fd)),
      tls_(std::move(tls)),
      pending_(std::move(leftover)),
      remote_(std::move(remote)),
      token_(token) {}

UpgradedConn::~UpgradedConn() = default;

bool UpgradedConn::start() {
  if (ctx_.loop.poller().add(fd_.get(), token_, Interest{.read = true, .write = true, .edge = true})) {
    fd_.reset();
    closed_ = true;
    return false;
  }
  return true;
}

// guarded runs fn, a user callback, under the upgraded stream's exception policy: log it
// and close the stream (there is no response to answer with an error).
template <class F>
bool UpgradedConn::guarded(const char* what, F&& fn) noexcept {
  if (guard_call(std::forward<F>(fn), [&](const char* message) { log_threw(what, message); })) return true;
  finish();
  return false;
}

void UpgradedConn::log_threw(const char* what, const char* message) noexcept {
  try {
    if (ctx_.logger.enabled(LogLevel::Error)) {
      ctx_.logger.log(LogLevel::Error, std::string(what) + " threw (upgraded " + remote_ + "): " + message);
    }
  } catch (...) {  // the logger is user code too
  }
}

void UpgradedConn::on_event(const PollEvent& event) {
  if (closed_) return;
  if (event.readable || event.hangup) {
    readable_ = true;
    if (tls_) tls_->on_readable();
  }
  if (event.writable && tls_ && tls_->read_wants_write()) readable_ = true;
  pump();
}

void UpgradedConn::schedule_pump() {
  if (pump_posted_ || closed_) return;
  pump_posted_ = true;
  ctx_.loop.post([weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->pump_posted_ = false;
      self->pump();
    }
  });
}

void UpgradedConn::pump() {
  if (closed_) return;
  if (in_pump_) {
    again_ = true;
    return;
  }
  auto self = shared_from_this();  // a callback may drop the last outside reference
  in_pump_ = true;
  bool writable_ran = false;
  do {
    again_ = false;
    if (on_data_ && !pending_.empty()) {
      std::string bytes = std::move(pending_);
      pending_.clear();
      if (!deliver(bytes)) break;
    }
    std::string& buf = ctx_.read_buffer;
    while (on_data_ && readable_ && !closing_ && !closed_) {
      const ssize_t n = tls_ ? tls_->read(buf.data(), buf.size()) : ::read(fd_.get(), buf.data(), buf.size());
      if (n > 0) {
        // As in Connection: a TLS read returns one record, and more may wait in OpenSSL.
        if (static_cast<std::size_t>(n) < buf.size() && !tls_) readable_ = false;
        if (!deliver(std::string_view(buf.data(), static_cast<std::size_t>(n)))) break;
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EAGAIN) {
        readable_ = false;
      } else {
        finish();  // the peer closed (or failed): the stream is over
      }
    }
    if (closed_) break;
    if (!out_.empty() || (tls_ && tls_->has_unsent())) {
      std::size_t written = 0;
      const OutputQueue::Result res =
          tls_ ? out_.write_to(*tls_, kWriteBudget, written) : out_.write_to(fd_.get(), kWriteBudget, written);
      switch (res) {
        case OutputQueue::Result::failed: finish(); break;
        case OutputQueue::Result::yielded:
          schedule_pump();  // let other connections have the loop first
          break;
        case OutputQueue::Result::drained:
        case OutputQueue::Result::blocked: break;
      }
      if (closed_) break;
    }
    if (closing_ && out_.empty() && !(tls_ && tls_->has_unsent())) {
      if (tls_) tls_->shutdown();  // close_notify, then our FIN
      ::shutdown(fd_.get(), SHUT_WR);
      finish();
      break;
    }
    if (!writable_ran && writable_due()) {
      writable_ran = true;
      auto fn = std::exchange(on_writable_, nullptr);
      const std::uint64_t before = writes_;
      if (!guarded("on_writable", fn)) break;
      // One that wrote nothing would run every loop turn: the next one waits for a write.
      writable_idle_ = writes_ == before;
      writable_idle_at_ = before;
      again_ = true;
    }
  } while (again_ && !closed_);
  in_pump_ = false;
  // Due again already (the queue drained within this round): no socket event will come.
  if (!closed_ && writable_due()) schedule_pump();
}

bool UpgradedConn::writable_due() const noexcept {
  return on_writable_ && !(writable_idle_ && writes_ == writable_idle_at_) &&
         out_.buffered_bytes() <= ctx_.config.output_high_water / 2;
}

bool UpgradedConn::deliver(std::string_view bytes) {
  // The function is moved out while it runs, so it may replace itself (or pause reading
  // with on_data(nullptr)) without destroying the closure that is executing.
  auto fn = std::move(on_data_);
  on_data_ = nullptr;
  const std::uint64_t generation = data_generation_;
  if (!guarded("on_data", [&] { fn(bytes); })) return false;
  if (!closed_ && data_generation_ == generation) on_data_ = std::move(fn);
  return !closed_;
}

void UpgradedConn::on_data(std::function<void(std::string_view)> fn) {
  if (closed_) return;
  ++data_generation_;
  on_data_ = std::move(fn);
  if (on_data_ && !in_pump_) schedule_pump();  // deliver what is waiting
}

void UpgradedConn::on_close(std::function<void()> fn) {
  if (!closed_) on_close_ = std::move(fn);
}

bool UpgradedConn::write(std::string_view data) {
  if (closed_ || closing_) return false;
  if (!data.empty()) ++writes_;
  out_.append(data);
  pump();
  return !closed_;
}

bool UpgradedConn::congested() const noexcept { return out_.buffered_bytes() >= ctx_.config.output_high_water; }

void UpgradedConn::on_writable(std::function<void()> fn) {
  if (closed_) return;
  on_writable_ = std::move(fn);
  if (writable_due() && !in_pump_) schedule_pump();
}

void UpgradedConn::close() {
  if (closed_ || closing_) return;
  closing_ = true;
  pump();
}

void UpgradedConn::abort() noexcept {
  out_.clear();
  finish();
}

void UpgradedConn::finish() noexcept {
  if (closed_) return;
  closed_ = true;
  auto self = weak_from_this().lock();  // keep this alive through the erase below
  tls_.reset();                         // the SSL object first: it writes to fd_ no more
  fd_.reset();                          // closing removes it from the poller
  out_.clear();
  on_data_ = nullptr;  // callbacks often hold the stream: break the cycle
  on_writable_ = nullptr;
  auto on_close = std::move(on_close_);
  on_close_ = nullptr;
  ctx_.upgraded.erase(token_);
  if (on_close) guard_call(on_close, [&](const char* message) { log_threw("on_close", message); });
}

}  // namespace detail

bool is_upgrade_request(const Request& r) {
  if (r.version() != HttpVersion{1, 1} || r.header("Upgrade").empty()) return false;
  for (HeaderField f : r.headers()) {
    if (iequals(f.name, "Connection") && detail::has_token(f.value, "upgrade")) return true;
  }
  return false;
}

bool is_connect_request(const Request& r) {
  return r.method() == "CONNECT" && r.raw_path().empty() && !r.target().empty();
}

namespace {
bool switch_to(ResponseWriter& w, const Request& r, std::string_view protocol,
               std::shared_ptr<detail::Takeover> takeover) {
  if (r.method() == "CONNECT" || !is_upgrade_request(r) || !w.switch_protocols(std::move(takeover))) return false;
  w.headers().set("Upgrade", protocol);
  w.write_header(101);
  return true;
}

bool open_tunnel(ResponseWriter& w, const Request& r, std::shared_ptr<detail::Takeover> takeover) {
  if (!is_connect_request(r) || !w.switch_protocols(std::move(takeover))) return false;
  w.write_header(200);
  return true;
}
}  // namespace

bool accept_upgrade(ResponseWriter& w, const Request& r, std::string_view protocol,
                    std::function<void(std::shared_ptr<UpgradedStream>)> on_upgraded) {
  if (!on_upgraded) return false;
  return switch_to(w, r, protocol, std::make_shared<detail::StreamTakeover>(std::move(on_upgraded)));
}

bool hijack(ResponseWriter& w, const Request& r, std::string_view protocol,
            std::function<void(HijackedConnection)> on_hijacked) {
  // Over TLS the socket carries records, not the stream's bytes: the session (keys,
  // sequence numbers, bytes OpenSSL already read) stays in the server's SSL object, which a
  // descriptor cannot carry.
  if (!on_hijacked || r.tls() != nullptr) return false;
  return switch_to(w, r, protocol, std::make_shared<detail::HijackTakeover>(std::move(on_hijacked)));
}

bool accept_connect(ResponseWriter& w, const Request& r,
                    std::function<void(std::shared_ptr<UpgradedStream>)> on_tunnel) {
  if (!on_tunnel) return false;
  return open_tunnel(w, r, std::make_shared<detail::StreamTakeover>(std::move(on_tunnel)));
}

bool hijack_connect(ResponseWriter& w, const Request& r, std::function<void(HijackedConnection)> on_hijacked) {
  if (!on_hijacked || r.tls() != nullptr) return false;  // as hijack()
  return open_tunnel(w, r, std::make_shared<detail::HijackTakeover>(std::move(on_hijacked)));
}

}  // namespace nethttp
