#pragma once
// LoopContext: everything one event loop's connections share. It belongs to the loop's
// thread; only the counters and the route note are read from other threads.

#include <netinet/in.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/date_cache.hpp"
#include "http/exchange.hpp"
#include "http/request_parser.hpp"
#include "nethttp/server_config.hpp"
#include "reactor/event_loop.hpp"

namespace nethttp::detail {

class Connection;
class LoopTls;
class UpgradedConn;

/// LoopCounters are written by the loop thread only (relaxed stores), read by stats().
struct alignas(64) LoopCounters {
  std::atomic<std::uint64_t> open{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> bytes_sent{0};
  std::atomic<double> lag_seconds{0};
  void add(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

/// ServerHooks is what loops report back to the Server (thread-safe).
class ServerHooks {
 public:
  virtual ~ServerHooks() = default;
  /// next_connection_id returns a server-wide unique id.
  virtual std::uint64_t next_connection_id() noexcept = 0;
  /// connection_opened / connection_closed keep the server-wide count for max_connections
  /// and for shutdown's drain.
  virtual bool try_open_connection() noexcept = 0;
  virtual void connection_closed() noexcept = 0;
};

class LoopContext {
 public:
  LoopContext(EventLoop& loop, const ServerConfig& config, const Handler& handler, Logger& logger, unsigned index,
              ServerHooks& hooks);
  ~LoopContext();
  LoopContext(const LoopContext&) = delete;
  LoopContext& operator=(const LoopContext&) = delete;

  EventLoop& loop;
  const ServerConfig& config;
  const Handler& handler;
  Logger& logger;
  const unsigned index;
  ServerHooks& hooks;
  ParserLimits limits;
  DateCache date;
  LoopCounters counters;
  /// read_buffer is where every connection of this loop reads into; parsed data is copied
  /// out at once, so no connection keeps a read buffer of its own.
  std::string read_buffer;
  /// draining is set once shutdown has begun: connections close as soon as they are idle.
  bool draining = false;
  /// tls is this loop's TLS contexts, when the server has TLS listeners (else null).
  /// Declared before the connection slab, so it outlives every connection's SSL.
  std::unique_ptr<LoopTls> tls;

  // Connections, in a slab addressed by tokens: index in the low 32 bits, generation in the
  // high 32, so an event or a deferred completion aimed at a reused slot is dropped.
  /// add_connection starts serving fd; tls_listener: it came from a TLS listener.
  Connection* add_connection(UniqueFd fd, const sockaddr_in6& peer, bool tls_listener = false);
  Connection* find(std::uint64_t token) noexcept;
  /// retire unlinks a closed connection; it is destroyed in collect_garbage(), after the
  /// callbacks on the stack have returned.
  void retire(Connection& c) noexcept;
  void collect_garbage() noexcept;
  [[nodiscard]] std::size_t connection_count() const noexcept { return live_; }
  template <class F>
  void for_each_connection(F&& f) {
    for (auto& slot : slots_) {
      if (slot.conn) f(*slot.conn);
    }
  }

  /// link_idle / unlink_idle keep the list of idle keep-alive connections, oldest first
  /// (Connection calls them as it enters and leaves ConnState::Idle).
  void link_idle(Connection& c) noexcept;
  void unlink_idle(Connection& c) noexcept;
  /// reclaim_idle closes this loop's longest-idle keep-alive connection, to make room
  /// under max_connections (nginx reuses connections the same way). False if none is idle.
  bool reclaim_idle();

  // Exchanges (per-active-request state) are pooled: idle connections hold none.
  std::unique_ptr<Exchange> acquire_exchange();
  void release_exchange(std::unique_ptr<Exchange> ex) noexcept;

  /// upgraded holds the streams accept_upgrade() took over, by poller token (with
  /// kUpgradedTokenBit); they are not connections any more (no timeouts, not counted).
  std::unordered_map<std::uint64_t, std::shared_ptr<UpgradedConn>> upgraded;
  std::uint64_t next_upgraded_token = 1;
  /// close_upgraded ends every upgraded stream (shutdown): gracefully, after its queued
  /// output, or at once.
  void close_upgraded(bool at_once);

  /// Connections whose write budget ran out while the socket was still writable.
  std::vector<std::uint64_t> ready_writers;

  /// note_route records what the loop is about to run, for the blocked-loop watchdog.
  void note_route(std::string_view method, std::string_view path) noexcept;
  /// route copies the last noted route (any thread).
  std::string route() const;

 private:
  struct Slot {
    std::unique_ptr<Connection> conn;
    std::uint32_t generation = 1;
  };
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<std::unique_ptr<Connection>> graveyard_;
  std::vector<std::unique_ptr<Exchange>> exchange_pool_;
  std::size_t live_ = 0;
  Connection* idle_head_ = nullptr;  // longest idle
  Connection* idle_tail_ = nullptr;
  // The route note is a seqlock: the loop writes it before every handler without a lock
  // (an odd route_seq_ means a write is under way), and route() retries until it reads a
  // copy no write overlapped. Words are atomics, so the watchdog's read is not a data race.
  static constexpr std::size_t kRouteWords = 16;  // 128 bytes of "METHOD /path"
  std::atomic<std::uint64_t> route_seq_{0};
  std::atomic<std::size_t> route_len_{0};
  std::array<std::atomic<std::uint64_t>, kRouteWords> route_words_{};
};

}  // namespace nethttp::detail
