#pragma once
// TimerQueue: a binary min-heap of (deadline, key). Arming is O(log n); nothing scans all
// connections. Cancelling is lazy: the owner keeps the authoritative deadline and ignores
// entries that no longer match it (see Connection::on_deadline), so each connection has at
// most a couple of live entries however often its deadline moves.

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace nethttp::detail {

struct TimerEntry {
  std::int64_t deadline_ms;
  std::uint64_t key;
  friend bool operator>(const TimerEntry& a, const TimerEntry& b) noexcept { return a.deadline_ms > b.deadline_ms; }
};

class TimerQueue {
 public:
  void push(std::int64_t deadline_ms, std::uint64_t key) { heap_.push({deadline_ms, key}); }
  [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
  /// next_deadline is the earliest deadline; only when !empty().
  [[nodiscard]] std::int64_t next_deadline() const noexcept { return heap_.top().deadline_ms; }
  /// pop_expired removes and returns one entry due at now_ms, if any.
  bool pop_expired(std::int64_t now_ms, TimerEntry& out) {
    if (heap_.empty() || heap_.top().deadline_ms > now_ms) return false;
    out = heap_.top();
    heap_.pop();
    return true;
  }

 private:
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> heap_;
};

}  // namespace nethttp::detail
