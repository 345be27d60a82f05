#pragma once
// TokenBuckets: per-key token buckets with bounded memory, safe across threads.

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nethttp::detail {

/// TokenBuckets keeps one token bucket per key: `burst` tokens at most, refilled at `rate`
/// per second. Keys are spread over shards by hash, each with its own mutex, map and LRU
/// list, so threads contend only when their keys share a shard. Each shard holds at most
/// floor(max_keys / shards) keys (so never more than max_keys in all) and forgets its least recently used key beyond
/// that. Thread-safe.
class TokenBuckets {
 public:
  using Clock = std::chrono::steady_clock;

  /// Decision is the outcome of take(): allowed, or how long until a token is back.
  struct Decision {
    bool allowed = false;
    std::chrono::duration<double> retry_after{0};
  };

  TokenBuckets(double rate, double burst, std::size_t max_keys, std::size_t shards = 16);

  /// take removes one token from key's bucket at time now, if it has one.
  Decision take(std::string_view key, Clock::time_point now);
  /// size is the number of keys remembered (a snapshot).
  [[nodiscard]] std::size_t size() const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  struct Shard {
    mutable std::mutex mu;
    // Most recently used at the front; the map points into the list. Guarded by mu.
    std::list<std::pair<std::string, Bucket>> lru;
    std::unordered_map<std::string_view, std::list<std::pair<std::string, Bucket>>::iterator> index;
  };

  const double rate_;
  const double burst_;
  const std::size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace nethttp::detail
