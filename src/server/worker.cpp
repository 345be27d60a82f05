#include "server/worker.hpp"

#include <string>

#include "http/connection.hpp"
#include "http/upgraded_stream.hpp"
#include "net/socket.hpp"
#include "server/server_impl.hpp"

namespace nethttp::detail {

namespace {
constexpr int kAcceptBatch = 64;  // accepts per readiness event in a burst, then other work runs
constexpr std::int64_t kEmfileBackoffMs = 100;
constexpr std::int64_t kTickMs = 100;  // loop-lag probe period
thread_local Worker* current_worker = nullptr;
}  // namespace

bool on_worker_thread() noexcept { return current_worker != nullptr; }

Worker::Worker(ServerImpl& server, unsigned index)
    : server_(server), index_(index), ctx_(loop_, server.config(), server.handler(), server.logger(), index, server) {}

Worker::~Worker() = default;

void Worker::listen_on(UniqueFd fd, bool hand_out, UnixSocketFile file, bool tls) {
  const std::uint64_t token = kFirstListenToken + listeners_.size();
  if (auto ec = loop_.poller().add(fd.get(), token, Interest{.read = true})) {
    throw std::system_error(ec, "watch listener");
  }
  listeners_.push_back(Listener{std::move(fd), hand_out, std::move(file), tls});
  accepting_ = true;
}

void Worker::run() {
  current_worker = this;
  std::error_code ec;
  try {
    schedule_tick(loop_.now_ms() + kTickMs);
    ec = loop_.run(*this);
  } catch (const std::system_error& e) {
    ec = e.code();
  } catch (...) {  // bad_alloc and the like: the loop cannot go on, but the process can
    ec = std::make_error_code(std::errc::state_not_recoverable);
  }
  // Stopped: whatever is still open goes now.
  close_listeners();
  ctx_.for_each_connection([](Connection& c) { c.abort(); });
  ctx_.close_upgraded(true);
  ctx_.collect_garbage();
  current_worker = nullptr;
  if (ec) server_.loop_failed(index_, ec);
}

void Worker::schedule_tick(std::int64_t at_ms) {
  loop_.run_after(at_ms - loop_.now_ms(), [this, at_ms] {
    std::int64_t now = monotonic_ms();
    ctx_.counters.lag_seconds.store(static_cast<double>(std::max<std::int64_t>(now - at_ms, 0)) / 1000.0,
                                    std::memory_order_relaxed);
    schedule_tick(now + kTickMs);
  });
}

void Worker::on_io(const PollEvent& event) {
  if (event.token >= kFirstListenToken && event.token < kFirstListenToken + listeners_.size()) {
    accept_ready(listeners_[event.token - kFirstListenToken]);
    return;
  }
  if ((event.token & kUpgradedTokenBit) != 0) {
    auto it = ctx_.upgraded.find(event.token);
    if (it != ctx_.upgraded.end()) {
      auto stream = it->second;  // it may erase itself
      stream->on_event(event);
    }
    return;
  }
  if (Connection* c = ctx_.find(event.token)) c->on_event(event);
}

void Worker::on_key_timer(std::uint64_t key, std::int64_t now_ms) {
  if (Connection* c = ctx_.find(key)) c->on_deadline(now_ms);
}

void Worker::after_events() {
  ++turn_;
  if (!ctx_.ready_writers.empty()) {
    std::vector<std::uint64_t> ready;
    ready.swap(ctx_.ready_writers);
    for (std::uint64_t token : ready) {
      if (Connection* c = ctx_.find(token)) c->on_write_budget();
    }
    if (!ctx_.ready_writers.empty()) loop_.post([] {});  // more to do: don't sleep in poll
  }
  ctx_.collect_garbage();
}

void Worker::accept_ready(Listener& listener) {
  // One connection per readiness event, like nginx without multi_accept: the listener is
  // level-triggered, so the next poll reports it again if more wait, and an accept that
  // only says EAGAIN is not paid for every connection. Ready on consecutive turns means a
  // burst: then drain up to a batch each time.
  const bool burst = listener.ready_turn + 1 == turn_;
  listener.ready_turn = turn_;
  const int batch = burst ? kAcceptBatch : 1;
  for (int i = 0; i < batch && accepting_; ++i) {
    UniqueFd fd;
    sockaddr_in6 peer{};
    int err = 0;
    switch (accept_connection(listener.fd.get(), fd, peer, err)) {
      case AcceptStatus::accepted: break;
      case AcceptStatus::would_block: return;
      case AcceptStatus::out_of_descriptors: pause_accepting(); return;
      case AcceptStatus::failed:
        ctx_.logger.log(LogLevel::Error, "accept failed: " + std::system_category().message(err));
        return;
    }
    ctx_.counters.add(ctx_.counters.accepted, 1);
    // At max_connections an idle keep-alive connection of this loop makes room; if none
    // is idle, the new connection is closed here.
    if (!server_.try_open_connection() && !(ctx_.reclaim_idle() && server_.try_open_connection())) continue;
    auto& workers = server_.workers();
    if (!listener.hand_out || workers.size() == 1) {
      ctx_.add_connection(std::move(fd), peer, listener.tls);
    } else {
      // One acceptor hands connections out round-robin.
      Worker& target = *workers[next_handoff_++ % workers.size()];
      if (&target == this) {
        ctx_.add_connection(std::move(fd), peer, listener.tls);
      } else {
        target.post_adopt(std::move(fd), peer, listener.tls);
      }
    }
  }
}

void Worker::pause_accepting() {
  // Out of descriptors: the pending connection stays queued in the kernel. Stop watching the
  // listener for a moment (instead of spinning on it) and keep serving what is open.
  const std::int64_t now = loop_.now_ms();
  if (now - last_emfile_log_ms_ > 1000) {
    last_emfile_log_ms_ = now;
    ctx_.logger.log(LogLevel::Warn, "accept: out of file descriptors; pausing accepts for 100 ms");
  }
  for (Listener& l : listeners_) loop_.poller().remove(l.fd.get());
  accepting_ = false;
  loop_.run_after(kEmfileBackoffMs, [this] {
    if (listeners_.empty() || ctx_.draining) return;
    watch_listeners();
  });
}

void Worker::watch_listeners() {
  bool ok = true;
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    if (loop_.poller().add(listeners_[i].fd.get(), kFirstListenToken + i, Interest{.read = true})) ok = false;
  }
  accepting_ = ok;
}

void Worker::close_listeners() {
  for (Listener& l : listeners_) {
    loop_.poller().remove(l.fd.get());
    l.fd.reset();
    if (!server_.keeps_socket_files()) l.file.remove_if_ours();
  }
  listeners_.clear();
  accepting_ = false;
}

void Worker::post_drain() {
  loop_.post([this] {
    ctx_.draining = true;
    close_listeners();
    ctx_.for_each_connection([](Connection& c) { c.begin_drain(); });
    ctx_.close_upgraded(false);  // not counted in the drain: end them now, after their queued bytes
    server_.loop_drained();
  });
}

void Worker::post_stop() {
  loop_.post([this] {
    close_listeners();
    ctx_.for_each_connection([](Connection& c) { c.abort(); });
    ctx_.close_upgraded(true);
    loop_.stop();
  });
}

void Worker::post_adopt(UniqueFd fd, const sockaddr_in6& peer, bool tls) {
  auto holder = std::make_shared<UniqueFd>(std::move(fd));
  // Accepted before the acceptor's listener closed: served even if this loop is draining now.
  bool posted = loop_.post([this, holder, peer, tls] { ctx_.add_connection(std::move(*holder), peer, tls); });
  if (!posted) server_.connection_closed();
}

}  // namespace nethttp::detail
