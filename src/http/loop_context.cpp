#include "http/loop_context.hpp"

#include <algorithm>
#include <cstring>

#include "http/connection.hpp"
#include "http/upgraded_stream.hpp"
#include "tls/tls_context.hpp"

namespace nethttp::detail {

namespace {
constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr std::size_t kMaxPooledExchanges = 256;
}  // namespace

LoopContext::LoopContext(EventLoop& l, const ServerConfig& c, const Handler& h, Logger& lg, unsigned i, ServerHooks& hk)
    : loop(l), config(c), handler(h), logger(lg), index(i), hooks(hk) {
  limits.max_uri_bytes = config.max_uri_bytes;
  limits.max_header_bytes = config.max_header_bytes;
  limits.max_body_bytes = config.max_body_bytes;
  limits.serve_connect = config.serve_connect;
  read_buffer.resize(kReadBufferBytes);
}

void LoopContext::close_upgraded(bool at_once) {
  std::vector<std::shared_ptr<UpgradedConn>> streams;
  streams.reserve(upgraded.size());
  for (auto& entry : upgraded) streams.push_back(entry.second);
  for (auto& s : streams) {
    if (at_once) {
      s->abort();
    } else {
      s->close();
    }
  }
}

LoopContext::~LoopContext() {
  for (auto& slot : slots_) slot.conn.reset();
  graveyard_.clear();
}

Connection* LoopContext::add_connection(UniqueFd fd, const sockaddr_in6& peer, bool tls_listener) {
  std::uint32_t index_in_slab;
  if (!free_slots_.empty()) {
    index_in_slab = free_slots_.back();
    free_slots_.pop_back();
  } else {
    index_in_slab = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& slot = slots_[index_in_slab];
  // Token 0 is the loop's wakeup descriptor; generations start at 1, so tokens are never 0.
  std::uint64_t token = (static_cast<std::uint64_t>(slot.generation) << 32) | index_in_slab;
  slot.conn = std::make_unique<Connection>(*this, std::move(fd), peer, token, tls_listener ? tls.get() : nullptr);
  ++live_;
  Connection* c = slot.conn.get();
  if (!c->start()) {
    c->abort();
    return nullptr;
  }
  return c->closed() ? nullptr : c;
}

Connection* LoopContext::find(std::uint64_t token) noexcept {
  const auto i = static_cast<std::uint32_t>(token);
  const auto gen = static_cast<std::uint32_t>(token >> 32);
  if (i >= slots_.size()) return nullptr;
  Slot& slot = slots_[i];
  if (slot.generation != gen || !slot.conn) return nullptr;
  return slot.conn.get();
}

void LoopContext::retire(Connection& c) noexcept {
  const auto i = static_cast<std::uint32_t>(c.token());
  Slot& slot = slots_[i];
  if (slot.conn.get() != &c) return;
  graveyard_.push_back(std::move(slot.conn));
  ++slot.generation;
  if (slot.generation == 0) slot.generation = 1;
  free_slots_.push_back(i);
  --live_;
}

void LoopContext::collect_garbage() noexcept { graveyard_.clear(); }

void LoopContext::link_idle(Connection& c) noexcept {
  c.idle_prev = idle_tail_;
  c.idle_next = nullptr;
  if (idle_tail_ != nullptr) {
    idle_tail_->idle_next = &c;
  } else {
    idle_head_ = &c;
  }
  idle_tail_ = &c;
}

void LoopContext::unlink_idle(Connection& c) noexcept {
  (c.idle_prev != nullptr ? c.idle_prev->idle_next : idle_head_) = c.idle_next;
  (c.idle_next != nullptr ? c.idle_next->idle_prev : idle_tail_) = c.idle_prev;
  c.idle_prev = c.idle_next = nullptr;
}

bool LoopContext::reclaim_idle() {
  if (idle_head_ == nullptr) return false;
  idle_head_->abort();  // leaves Idle, so it unlinks itself
  return true;
}

std::unique_ptr<Exchange> LoopContext::acquire_exchange() {
  if (exchange_pool_.empty()) return std::make_unique<Exchange>();
  std::unique_ptr<Exchange> ex = std::move(exchange_pool_.back());
  exchange_pool_.pop_back();
  return ex;
}

void LoopContext::release_exchange(std::unique_ptr<Exchange> ex) noexcept {
  if (!ex) return;
  ex->out.clear();
  ex->pending_input.clear();
  ex->finished.clear();
  ex->on_deferred_timeout = nullptr;
  ex->response.mark_inactive();
  ex->request.reset();
  ex->trim();
  if (exchange_pool_.size() < kMaxPooledExchanges) exchange_pool_.push_back(std::move(ex));
}

void LoopContext::note_route(std::string_view method, std::string_view path) noexcept {
  char text[kRouteWords * 8];
  std::size_t n = 0;
  auto put = [&](std::string_view part) {
    std::size_t k = std::min(part.size(), sizeof text - n);
    std::memcpy(text + n, part.data(), k);
    n += k;
  };
  put(method);
  put(" ");
  put(path);
  std::memset(text + n, 0, (8 - n % 8) % 8);  // the last word's tail

  // Release stores: a reader that sees any new word also sees the odd sequence number.
  const std::uint64_t seq = route_seq_.load(std::memory_order_relaxed);
  route_seq_.store(seq + 1, std::memory_order_relaxed);
  route_len_.store(n, std::memory_order_release);
  for (std::size_t w = 0; w * 8 < n; ++w) {
    std::uint64_t word;
    std::memcpy(&word, text + w * 8, sizeof word);
    route_words_[w].store(word, std::memory_order_release);
  }
  route_seq_.store(seq + 2, std::memory_order_release);
}

std::string LoopContext::route() const {
  char text[kRouteWords * 8];
  // The watchdog asks while the loop is stuck in a handler, so the first try succeeds; the
  // bound only keeps a reader from spinning against a loop that is busy writing.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::uint64_t before = route_seq_.load(std::memory_order_acquire);
    if (before & 1) continue;
    const std::size_t n = route_len_.load(std::memory_order_acquire);
    for (std::size_t w = 0; w * 8 < n; ++w) {
      std::uint64_t word = route_words_[w].load(std::memory_order_acquire);
      std::memcpy(text + w * 8, &word, sizeof word);
    }
    if (route_seq_.load(std::memory_order_relaxed) == before) return std::string(text, n);
  }
  return "(route changing)";
}

}  // namespace nethttp::detail
