// Token bucket: a bucket holds up to burst tokens and gains rate tokens per second; each
// request spends one. Instead of a timer, the refill is computed lazily from the time since
// the bucket was last touched. A forgotten (evicted) key comes back with a full bucket,
// which is also what an idle key would have by then.

#include "middleware/token_buckets.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace nethttp::detail {

namespace {
// shard_count never exceeds max_keys, so every shard may hold at least one key.
std::size_t shard_count(std::size_t max_keys, std::size_t shards) noexcept {
  return std::max<std::size_t>(std::min(shards, max_keys), 1);
}
}  // namespace

TokenBuckets::TokenBuckets(double rate, double burst, std::size_t max_keys, std::size_t shards)
    : rate_(rate),
      burst_(burst),
      // Rounded down, so all shards together never hold more than max_keys.
      per_shard_(std::max<std::size_t>(max_keys / shard_count(max_keys, shards), 1)) {
  if (!(rate > 0)) throw std::invalid_argument("rate limit: rate must be positive");
  if (!(burst >= 1)) throw std::invalid_argument("rate limit: burst must be at least 1");
  if (max_keys == 0) throw std::invalid_argument("rate limit: max_keys must be positive");
  shards = shard_count(max_keys, shards);
  shards_.reserve(shards);
  for (std::size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

TokenBuckets::Decision TokenBuckets::take(std::string_view key, Clock::time_point now) {
  Shard& s = *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  std::lock_guard lock(s.mu);
  auto found = s.index.find(key);
  Bucket* b;
  if (found == s.index.end()) {
    if (s.lru.size() >= per_shard_) {
      s.index.erase(s.lru.back().first);
      s.lru.pop_back();
    }
    s.lru.emplace_front(std::string(key), Bucket{burst_, now});
    s.index.emplace(s.lru.front().first, s.lru.begin());  // the view points into the list node
    b = &s.lru.front().second;
  } else {
    s.lru.splice(s.lru.begin(), s.lru, found->second);  // now most recently used; iterators stay valid
    b = &found->second->second;
    if (now > b->updated) {
      double elapsed = std::chrono::duration<double>(now - b->updated).count();
      b->tokens = std::min(burst_, b->tokens + elapsed * rate_);
      b->updated = now;
    }
  }
  if (b->tokens >= 1) {
    b->tokens -= 1;
    return {true, {}};
  }
  return {false, std::chrono::duration<double>((1 - b->tokens) / rate_)};
}

std::size_t TokenBuckets::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->lru.size();
  }
  return n;
}

}  // namespace nethttp::detail
