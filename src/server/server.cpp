#include "nethttp/server.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <string>
#include <utility>

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

// bind_address binds one listen spec: "unix:/path", or "HOST:PORT" as one socket per loop
// (SO_REUSEPORT) or a single socket.
std::error_code ServerImpl::bind_address(const std::string& spec, std::vector<PendingListener>& out) {
  if (spec.starts_with("unix:")) {
    PendingListener l;
    l.hand_out = true;
    if (auto ec = detail::listen_unix(spec.substr(5), {config_.backlog, config_.unix_socket_mode}, l.fd, l.file)) {
      return ec;
    }
    out.push_back(std::move(l));
    return {};
  }
  std::vector<detail::SocketAddress> addrs;
  if (auto ec = detail::resolve_listen_address(spec, addrs)) return ec;
  detail::SocketAddress addr = addrs.front();
  // SO_REUSEPORT lets every loop have its own socket on the port, but it would just as
  // well let a second, unrelated server (another nethttp-static on the same --listen) join
  // the group and silently take a share of the connections. So, before binding the group,
  // bind a throwaway socket without SO_REUSEPORT: the kernel refuses it (address in use)
  // when any socket listens on the port, reuseport or not, exactly as Go and nginx fail.
  // What still shares the port on purpose: our own loops, and a hand-over, which passes
  // the bound sockets themselves to the next process (LISTEN_FDS) and never rebinds.
  // Port 0 needs no probe (the kernel picks a free port). Two servers started within the
  // same microseconds could both pass the probe; that window is the price of not needing a
  // lock shared across programs.
  if (config_.reuse_port && addr.port() != 0) {
    if (auto ec = detail::probe_exclusive_bind(addr)) return ec;
  }
  const unsigned count = config_.reuse_port ? config_.threads : 1;
  for (unsigned i = 0; i < count; ++i) {
    PendingListener l;
    l.hand_out = !config_.reuse_port;
    if (auto ec = detail::listen_tcp(addr, {config_.backlog, config_.reuse_port, buffers()}, l.fd)) return ec;
    if (i == 0) {
      // With port 0 the kernel picks; the other loops' sockets must join that same port.
      detail::SocketAddress bound;
      if (auto ec = detail::local_address(l.fd.get(), bound)) return ec;
      if (addr.family() == AF_INET) {
        reinterpret_cast<sockaddr_in*>(&addr.storage)->sin_port = htons(bound.port());
      } else {
        reinterpret_cast<sockaddr_in6*>(&addr.storage)->sin6_port = htons(bound.port());
      }
    }
    out.push_back(std::move(l));
  }
  return {};
}

std::error_code ServerImpl::listen() {
  std::lock_guard lock(mu_);
  if (listened_) return {};
  if (shutting_down_) return std::make_error_code(std::errc::operation_canceled);
  if (auto ec = check_buffers()) return ec;
  if (!config_.listen_tls.empty() && !tls_) {
    // Certificates first: a bad file fails listen() before anything is bound.
    if (auto ec = setup_tls()) return ec;
  }
  std::vector<PendingListener> all;
  std::vector<std::string> specs;
  if (!config_.listen.empty()) specs.push_back(config_.listen);
  specs.insert(specs.end(), config_.listen_also.begin(), config_.listen_also.end());
  const std::size_t cleartext_specs = specs.size();
  specs.insert(specs.end(), config_.listen_tls.begin(), config_.listen_tls.end());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::size_t before = all.size();
    if (auto ec = bind_address(specs[i], all)) {
      for (auto& l : all) l.file.remove_if_ours();
      return ec;
    }
    for (std::size_t j = before; j < all.size(); ++j) all[j].tls = i >= cleartext_specs;
  }
  for (auto& l : adopted_) {
    // An inherited socket may have sizes of its own (systemd's SendBuffer=); the config's win.
    if (auto ec = detail::set_socket_buffers(l.fd.get(), buffers())) {
      logger_->log(LogLevel::Error,
                   "listen: cannot set the buffer sizes of a socket given to listen_on(): " + ec.message());
      for (auto& b : all) b.file.remove_if_ours();
      return ec;
    }
  }
  for (auto& l : adopted_) all.push_back(std::move(l));
  adopted_.clear();
  if (all.empty()) return std::make_error_code(std::errc::destination_address_required);
  // port() is the first TCP listener's port (a cleartext one if any); tls_port() the first TLS one's.
  for (bool tls : {false, true}) {
    for (const auto& l : all) {
      detail::SocketAddress bound;
      if (l.tls != tls || detail::local_address(l.fd.get(), bound) || bound.port() == 0) continue;
      if (port_.load() == 0) port_.store(bound.port());
      if (tls && tls_port_.load() == 0) tls_port_.store(bound.port());
    }
  }
  listener_fds_.clear();
  for (const auto& l : all) listener_fds_.push_back(l.fd.get());
  listeners_ = std::move(all);
  listened_ = true;
  return {};
}

std::error_code ServerImpl::check_buffers() {
  for (const auto& [name, bytes] :
       {std::pair<const char*, int>{"send_buffer_bytes", config_.send_buffer_bytes},
        std::pair<const char*, int>{"receive_buffer_bytes", config_.receive_buffer_bytes}}) {
    if (bytes < 0 || bytes > kMaxSocketBufferBytes) {
      logger_->log(LogLevel::Error, std::string("listen: ServerConfig::") + name + " is " + std::to_string(bytes) +
                                        ": want 0 (the kernel's default) to " + std::to_string(kMaxSocketBufferBytes));
      return std::make_error_code(std::errc::invalid_argument);
    }
  }
  return {};
}

std::error_code ServerImpl::setup_tls() {
  if (!tls_available()) {
    logger_->log(LogLevel::Error, "tls: listen_tls is set but this build of nethttp has no TLS (NETHTTP_TLS off)");
    return make_error_code(TlsErrc::NotAvailable);
  }
  if (config_.tls.certificates.empty()) {
    logger_->log(LogLevel::Error, "tls: listen_tls is set but tls.certificates is empty");
    return make_error_code(TlsErrc::NoCertificate);
  }
  auto state = std::make_unique<detail::TlsServerState>(config_.tls);
  if (TlsResult r = state->load(); !r) {
    logger_->log(LogLevel::Error, r.message);
    const bool config_error = r.message.starts_with("tls: ALPN") || r.message.starts_with("tls: cipher") ||
                              r.message.starts_with("tls: groups");
    return make_error_code(config_error ? TlsErrc::BadConfig : TlsErrc::BadCertificate);
  }
  tls_ = std::move(state);
  return {};
}

TlsResult ServerImpl::reload_tls() {
  detail::TlsServerState* state = nullptr;
  {
    std::lock_guard lock(mu_);
    state = tls_.get();
  }
  // tls_ lives as long as the server once set; load() is thread-safe.
  TlsResult r = state ? state->load() : check_tls_config(config_.tls);
  if (!r) {
    logger_->log(LogLevel::Error, "reload_tls: " + r.message + " (keeping the certificates in use)");
  } else if (state) {
    logger_->log(LogLevel::Info, "reload_tls: certificates reloaded");
  }
  return r;
}

std::error_code ServerImpl::listen_on(UniqueFd fd) {
  if (auto ec = detail::adopt_listener(fd.get())) return ec;
  std::lock_guard lock(mu_);
  if (listened_ || shutting_down_) return std::make_error_code(std::errc::operation_canceled);
  int reuse = 0;
  socklen_t len = sizeof reuse;
#ifdef SO_REUSEPORT
  ::getsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &reuse, &len);
#endif
  PendingListener l;
  // One of a SO_REUSEPORT group (inherited from a previous generation of this server): the
  // kernel spreads connections over the group, so its loop keeps what it accepts.
  l.hand_out = reuse == 0;
  l.fd = std::move(fd);
  adopted_.push_back(std::move(l));
  return {};
}

std::error_code ServerImpl::share_listeners(std::vector<UniqueFd>& out) {
  std::lock_guard lock(mu_);
  // Once a drain starts the loops close their listeners; until then the descriptors stay open.
  if (!listened_ || shutting_down_) return std::make_error_code(std::errc::operation_canceled);
  std::vector<UniqueFd> dups;
  for (int fd : listener_fds_) {
    UniqueFd d(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
    if (!d) return {errno, std::system_category()};
    dups.push_back(std::move(d));
  }
  keep_socket_files_.store(true);
  out = std::move(dups);
  return {};
}

std::error_code ServerImpl::serve() {
  if (auto ec = listen()) return ec;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    if (shutting_down_ || serving_ || served_) return std::make_error_code(std::errc::operation_canceled);
    try {
      for (unsigned i = 0; i < config_.threads; ++i) {
        workers_.push_back(std::make_unique<detail::Worker>(*this, i));
        if (tls_) workers_.back()->context().tls = std::make_unique<detail::LoopTls>(*tls_);
      }
      // Listener k goes to loop k mod N: a SO_REUSEPORT group of N sockets lands one per loop.
      for (std::size_t i = 0; i < listeners_.size(); ++i) {
        workers_[i % workers_.size()]->listen_on(std::move(listeners_[i].fd), listeners_[i].hand_out,
                                                 std::move(listeners_[i].file), listeners_[i].tls && tls_);
      }
    } catch (const std::system_error& e) {
      workers_.clear();
      return e.code();
    }
    listeners_.clear();
    serving_ = true;
  }
  std::jthread watchdog;
  if (config_.blocked_loop_warning.count() > 0) {
    watchdog = std::jthread([this](const std::stop_token& st) { watchdog_main(st); });
  }
  {
    // Loop threads never take the process's control signals: a handler (OnSignals) then runs
    // on another thread and no epoll_wait is interrupted. Threads inherit the mask they
    // start with; this thread's own mask is restored right after.
    sigset_t control, previous;
    sigemptyset(&control);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&control, sig);
    pthread_sigmask(SIG_BLOCK, &control, &previous);
    for (auto& w : workers_) threads.emplace_back([&w] { w->run(); });
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
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
    logger_->log(LogLevel::Error,
                 "event loop " + std::to_string(index) + " failed (" + ec.message() + "): stopping the server");
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
  auto until = std::chrono::steady_clock::now() + deadline;
  std::unique_lock lock(mu_);
  const bool first = !shutting_down_.exchange(true);
  if (!serving_) {
    draining_.store(true);
    for (auto& l : listeners_) {
      l.fd.reset();
      if (!keep_socket_files_) l.file.remove_if_ours();
    }
    listeners_.clear();
    adopted_.clear();
    return open_.load() == 0;
  }
  // drain_delay: readiness (shutting_down()) is off from here, but listeners stay open and
  // connections are served as usual, so a balancer sees 503 from /readyz and stops sending
  // before anything is refused. A later close() (deadline 0) cuts the delay short; from a
  // handler (a loop thread) there is no waiting, so the delay is skipped.
  if (deadline.count() == 0) {
    cut_delay_ = true;
    cv_.notify_all();
  } else if (first && config_.drain_delay.count() > 0 && !detail::on_worker_thread()) {
    cv_.wait_for(lock, config_.drain_delay, [this] { return cut_delay_ || served_; });
    until = std::chrono::steady_clock::now() + deadline;
  }
  if (!draining_.exchange(true)) {
    for (auto& w : workers_) w->post_drain();
  }
  // A shutdown called from a handler must not wait for its own loop: it only starts it.
  if (detail::on_worker_thread()) return false;
  // Drained means: every loop has closed its listeners (none can accept any more) and no
  // connection is left. Checking open_ alone could catch a moment with none open while a
  // loop that has not run its drain yet accepts one, which the stop would then cut off.
  cv_.wait_until(lock, until, [this] { return (loops_drained_ == workers_.size() && open_.load() == 0) || served_; });
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
    // Not refused while draining: a connection accepted before its loop closed the listener
    // was queued before the drain and gets its first request answered (see begin_drain).
    if (n >= config_.max_connections) return false;
  } while (!open_.compare_exchange_weak(n, n + 1));
  return true;
}

void ServerImpl::loop_drained() noexcept {
  std::lock_guard lock(mu_);
  ++loops_drained_;
  cv_.notify_all();
}

void ServerImpl::connection_closed() noexcept {
  if (open_.fetch_sub(1) == 1 && draining_.load()) {
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

void ServerImpl::watchdog_main(const std::stop_token& stop) {
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
      logger_->log(LogLevel::Warn, "event loop " + std::to_string(i) + " blocked for " + std::to_string(now - busy) +
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
std::error_code Server::listen_on(UniqueFd fd) { return impl_->listen_on(std::move(fd)); }
std::error_code Server::share_listeners(std::vector<UniqueFd>& out) { return impl_->share_listeners(out); }
std::error_code Server::serve() { return impl_->serve(); }
std::error_code Server::listen_and_serve() {
  if (auto ec = impl_->listen()) return ec;
  return impl_->serve();
}
bool Server::shutdown(std::chrono::milliseconds deadline) { return impl_->shutdown(deadline); }
void Server::close() { impl_->shutdown(std::chrono::milliseconds(0)); }
std::uint16_t Server::port() const noexcept { return impl_->port(); }
std::uint16_t Server::tls_port() const noexcept { return impl_->tls_port(); }
TlsResult Server::reload_tls() { return impl_->reload_tls(); }
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
