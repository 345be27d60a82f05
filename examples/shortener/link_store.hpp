#pragma once
// LinkStore: the shortener's in-memory table from code to target URL, with hit counts.
//
// Every event loop resolves codes at once, so the table is split into kShards shards, each
// a hash map behind its own reader/writer lock: lookups of different codes rarely meet on
// one lock, and a lookup holds its shard's lock (shared) only while copying a shared_ptr.
// Hit counts are atomics inside the links, so counting a hit takes no lock at all.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "short_code.hpp"

namespace shortener {

/// Link is one shortened URL. code, url and created never change after creation; hits is
/// incremented concurrently by every loop that redirects through the link.
struct Link {
  Link(std::string c, std::string u) : code(std::move(c)), url(std::move(u)) {}
  const std::string code;
  const std::string url;
  const std::chrono::system_clock::time_point created = std::chrono::system_clock::now();
  std::atomic<std::uint64_t> hits{0};
};

/// LinkStore maps codes to Links. Every member is thread-safe.
class LinkStore {
 public:
  /// kShards is the number of independently locked shards.
  static constexpr std::size_t kShards = 16;

  /// LinkStore holds at most max_links links; create() fails beyond that. Throws
  /// std::invalid_argument if max_links exceeds the code space.
  explicit LinkStore(std::size_t max_links = 1'000'000) : max_links_(max_links) {
    if (max_links > kCodeSpace) throw std::invalid_argument("LinkStore: max_links exceeds the code space");
  }

  /// create stores url under a fresh code and returns the new link, or nullptr when the
  /// store is full. url must already be validated.
  std::shared_ptr<Link> create(std::string url) {
    // Reserve a slot first, so concurrent creates cannot overshoot max_links, and so the
    // code counter below only ever advances for links that are really stored.
    std::size_t count = size_.load(std::memory_order_relaxed);
    do {
      if (count >= max_links_) return nullptr;
    } while (!size_.compare_exchange_weak(count, count + 1, std::memory_order_relaxed));
    std::uint64_t n = next_.fetch_add(1, std::memory_order_relaxed);
    auto link = std::make_shared<Link>(short_code(n), std::move(url));
    Shard& shard = shard_for(link->code);
    std::unique_lock lock(shard.mu);
    shard.links.emplace(link->code, link);
    return link;
  }

  /// find returns the link with code, or nullptr. It does not count a hit.
  [[nodiscard]] std::shared_ptr<Link> find(std::string_view code) const {
    if (!is_code(code)) return nullptr;
    const Shard& shard = shard_for(code);
    std::shared_lock lock(shard.mu);
    auto it = shard.links.find(std::string(code));
    return it == shard.links.end() ? nullptr : it->second;
  }

  /// resolve is find() that also counts a hit on the link it finds.
  std::shared_ptr<Link> resolve(std::string_view code) {
    std::shared_ptr<Link> link = find(code);
    if (link) link->hits.fetch_add(1, std::memory_order_relaxed);
    return link;
  }

  /// size is the number of links stored (or being stored right now).
  [[nodiscard]] std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

 private:
  struct Shard {
    mutable std::shared_mutex mu;
    std::unordered_map<std::string, std::shared_ptr<Link>> links;  // guarded by mu
  };

  Shard& shard_for(std::string_view code) { return shards_[std::hash<std::string_view>{}(code) % kShards]; }
  const Shard& shard_for(std::string_view code) const { return shards_[std::hash<std::string_view>{}(code) % kShards]; }

  const std::size_t max_links_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> size_{0};    // links stored or reserved
  std::atomic<std::uint64_t> next_{0};  // n of the next code; never above max_links_
};

}  // namespace shortener
