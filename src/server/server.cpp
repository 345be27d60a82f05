#include "nethttp/server.hpp"

#include <signal.h>

#include <algorithm>
#include <string>

#include "net/socket.hpp"
#include "server/server_impl.hpp"

namespace nethttp {

namespace detail {
bool on_worker_thread() noexcept;
}

// ---- ServerImpl ---------------------------------------------------------------------

namespace {
// ignore_sigpipe: sendfile(2) has no MSG_NOSIGNAL, so a client that resets mid-download
// would kill the process with SIGPIPE. Like nginx, ignore it (only if nobody installed a
// handler), and let the write report EPIPE instead.
void ignore_sigpipe() noexcept {
  struct sigaction old {};
  if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) {
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ::sigemptyset(&ign.sa_mask);
    ::sigaction(SIGPIPE, &ign, nullptr);
  }
}
}  // namespace

ServerImpl::ServerImpl(ServerConfig config, Handler handler)
    : config_(std::move(config)), handler_(std::move(handler)) {
  ignore_sigpipe();
  if (config_.threads == 0) config_.threads = std::max(1u, std::thread::hardware_concurrency());
  if (!config_.logger) config_.logger = default_logger();
  if (!detail::reuse_port_supported()) config_.reuse_port = false;
  if (config_.max_pipelined == 0) config_.max_pipelined = 1;
  logger_ = config_.logger;
}

ServerImpl::~ServerImpl() { shutdown(std::chrono::milliseconds(0)); }

std::error_code ServerImpl::listen() {
  std::lock_guard lock(mu_);
  if (listened_) return {};
  if (shutting_down_) return std::make_error_code(std::errc::operation_canceled);
  std::vector<detail::SocketAddress> addrs;
  if (auto ec = detail::resolve_listen_address(config_.listen, addrs)) return ec;
  detail::SocketAddress addr = addrs.front();
  const unsigned count = config_.reuse_port ? config_.threads : 1;
  std::vector<UniqueFd> fds;
  for (unsigned i = 0; i < count; ++i) {
    UniqueFd fd;
    if (auto ec = detail::listen_tcp(addr, {config_.backlog, config_.reuse_port}, fd)) return ec;
    if (i == 0) {
      // With port 0 the kernel picks; the other loops' sockets must join that same port.
      detail::SocketAddress bound;
      if (auto ec = detail::local_address(fd.get(), bound)) return ec;
      port_.store(bound.port());
      if (addr.family() == AF_INET) {
        reinterpret_cast<sockaddr_in*>(&addr.storage)->sin_port = htons(bound.port());
      } else {
        reinterpret_cast<sockaddr_in6*>(&addr.storage)->sin6_port = htons(bound.port());
      }
    }
    fds.push_back(std::move(fd));
  }
  listeners_ = std::move(fds);
  listened_ = true;
  return {};
}

std::error_code ServerImpl::serve() {
  if (auto ec = listen()) return ec;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    if (shutting_down_ || serving_ || served_) return std::make_error_code(std::errc::operation_canceled);
    try {
      for (unsigned i = 0; i < config_.threads; ++i) workers_.push_back(std::make_unique<detail::Worker>(*this, i));
      for (std::size_t i = 0; i < listeners_.size(); ++i) workers_[i]->listen_on(std::move(listeners_[i]));
    } catch (const std::system_error& e) {
      workers_.clear();
      return e.code();
    }
    listeners_.clear();
    serving_ = true;
  }
  std::jthread watchdog;
  if (config_.blocked_loop_warning.count() > 0) {
    watchdog = std::jthread([this](std::stop_token st) { watchdog_main(st); });
  }
  for (auto& w : workers_) threads.emplace_back([&w] { w->run(); });
  for (auto& t : threads) t.join();
  watchdog = {};
  std::error_code failure;
  {
    std::lock_guard lock(mu_);
    serving_ = false;
    served_ = true;
    failure = failure_;
  }
  cv_.notify_all();
  return failure;
}

void ServerImpl::loop_failed(unsigned index, std::error_code ec) {
  try {
    logger_->log(LogLevel::error, "event loop " + std::to_string(index) + " failed (" + ec.message() +
                                      "): stopping the server");
  } catch (...) {  // a logger that throws must not keep the server from stopping
  }
  {
    std::lock_guard lock(mu_);
    if (!failure_) failure_ = ec;
    shutting_down_.store(true);
    if (!stop_sent_) {
      stop_sent_ = true;
      for (auto& w : workers_) w->post_stop();
    }
  }
  cv_.notify_all();
}

bool ServerImpl::shutdown(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::unique_lock lock(mu_);
  const bool first = !shutting_down_.exchange(true);
  if (!serving_) {
    listeners_.clear();
    return open_.load() == 0;
  }
  if (first) {
    for (auto& w : workers_) w->post_drain();
  }
  // A shutdown called from a handler must not wait for its own loop: it only starts it.
  if (detail::on_worker_thread()) return false;
  cv_.wait_until(lock, until, [this] { return open_.load() == 0 || served_; });
  const bool drained = open_.load() == 0;
  if (!stop_sent_ && serving_) {
    stop_sent_ = true;
    for (auto& w : workers_) w->post_stop();
  }
  cv_.wait(lock, [this] { return served_; });
  return drained;
}

bool ServerImpl::try_open_connection() noexcept {
  std::size_t n = open_.load();
  do {
    if (n >= config_.max_connections || shutting_down_.load()) return false;
  } while (!open_.compare_exchange_weak(n, n + 1));
  return true;
}

void ServerImpl::connection_closed() noexcept {
  if (open_.fetch_sub(1) == 1 && shutting_down_.load()) {
    std::lock_guard lock(mu_);  // pairs with the wait in shutdown()
    cv_.notify_all();
  }
}

ServerStats ServerImpl::stats() const {
  ServerStats s;
  std::lock_guard lock(mu_);
  for (const auto& w : workers_) {
    auto& c = const_cast<detail::Worker&>(*w).context().counters;
    LoopStats l;
    l.connections_open = c.open.load(std::memory_order_relaxed);
    l.connections_accepted = c.accepted.load(std::memory_order_relaxed);
    l.requests = c.requests.load(std::memory_order_relaxed);
    l.bytes_sent = c.bytes_sent.load(std::memory_order_relaxed);
    l.lag_seconds = c.lag_seconds.load(std::memory_order_relaxed);
    s.loops.push_back(l);
  }
  return s;
}

void ServerImpl::watchdog_main(std::stop_token stop) {
  // Reports a loop stuck in one callback (a handler that blocks) while it is still stuck,
  // naming the request it was running. One report per stall.
  const std::int64_t threshold = config_.blocked_loop_warning.count();
  const auto period = std::chrono::milliseconds(std::clamp<std::int64_t>(threshold / 2, 10, 250));
  std::vector<std::int64_t> reported(workers_.size(), 0);
  std::mutex m;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    {
      std::unique_lock lk(m);
      cv.wait_for(lk, stop, period, [] { return false; });
    }
    if (stop.stop_requested()) break;
    const std::int64_t now = detail::monotonic_ms();
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      const std::int64_t busy = workers_[i]->loop().busy_since_ms();
      if (busy == 0 || now - busy < threshold || reported[i] == busy) continue;
      reported[i] = busy;
      logger_->log(LogLevel::warn, "event loop " + std::to_string(i) + " blocked for " + std::to_string(now - busy) +
                                       " ms running \"" + workers_[i]->context().route() +
                                       "\": handlers must not block; use defer() or offload()");
    }
  }
}

// ---- Server -------------------------------------------------------------------------

Server::Server(ServerConfig config, Handler handler)
    : impl_(std::make_unique<ServerImpl>(std::move(config), std::move(handler))) {}
Server::~Server() = default;
std::error_code Server::listen() { return impl_->listen(); }
std::error_code Server::serve() { return impl_->serve(); }
std::error_code Server::listen_and_serve() {
  if (auto ec = impl_->listen()) return ec;
  return impl_->serve();
}
bool Server::shutdown(std::chrono::milliseconds deadline) { return impl_->shutdown(deadline); }
void Server::close() { impl_->shutdown(std::chrono::milliseconds(0)); }
std::uint16_t Server::port() const noexcept { return impl_->port(); }
bool Server::shutting_down() const noexcept { return impl_->shutting_down(); }
ServerStats Server::stats() const { return impl_->stats(); }
const ServerConfig& Server::config() const noexcept { return impl_->config(); }

LoopStats ServerStats::total() const {
  LoopStats t;
  for (const LoopStats& l : loops) {
    t.connections_open += l.connections_open;
    t.connections_accepted += l.connections_accepted;
    t.requests += l.requests;
    t.bytes_sent += l.bytes_sent;
    t.lag_seconds = std::max(t.lag_seconds, l.lag_seconds);
  }
  return t;
}

}  // namespace nethttp
