#pragma once
// EventLoop: one thread's reactor. It owns a Poller, a TimerQueue and a Mailbox, runs I/O
// callbacks for the descriptors its owner registered, and runs tasks posted from other
// threads. Everything here belongs to the loop's thread except the members marked
// thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "reactor/poller.hpp"
#include "reactor/timer_queue.hpp"
#include "reactor/wakeup.hpp"

namespace nethttp::detail {

using Task = std::function<void()>;

/// Mailbox carries tasks from any thread to one loop (uWS's defer: a mutex-guarded vector the
/// loop swaps out). It outlives its loop when others hold it; posts after close() are dropped.
class Mailbox {
 public:
  /// post queues task and wakes the loop. Returns false (dropping task) if the loop is gone.
  /// Thread-safe.
  bool post(Task task);
  /// take moves every queued task into out (loop thread).
  void take(std::vector<Task>& out);
  /// close makes later posts fail (loop thread, at loop destruction).
  void close();
  [[nodiscard]] int wake_fd() const noexcept { return wakeup_.fd(); }
  void drain_wakeups() noexcept { wakeup_.drain(); }

 private:
  std::mutex mu_;
  std::vector<Task> tasks_;  // guarded by mu_
  bool closed_ = false;      // guarded by mu_
  Wakeup wakeup_;
};

/// IoHandler receives a loop's events; the HTTP worker implements it.
class IoHandler {
 public:
  virtual ~IoHandler() = default;
  virtual void on_io(const PollEvent& event) = 0;
  /// on_key_timer fires for a key armed with EventLoop::arm_key.
  virtual void on_key_timer(std::uint64_t key, std::int64_t now_ms) = 0;
  /// after_events runs once per loop iteration, after I/O and timers.
  virtual void after_events() {}
};

class EventLoop {
 public:
  /// kWakeToken is the poll token of the mailbox's wakeup descriptor.
  static constexpr std::uint64_t kWakeToken = 0;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// run processes events until stop() is called (returns success) or the poller fails
  /// (returns its error; the loop is then unusable). Loop thread.
  std::error_code run(IoHandler& handler);
  /// stop makes run() return after the current iteration. Thread-safe.
  void stop();
  /// post runs task on the loop thread. Thread-safe; false if the loop is gone.
  bool post(Task task) { return mailbox_->post(std::move(task)); }
  /// mailbox lets deferred work outlive this loop safely.
  [[nodiscard]] std::shared_ptr<Mailbox> mailbox() const noexcept { return mailbox_; }

  [[nodiscard]] Poller& poller() noexcept { return poller_; }
  /// now_ms is the monotonic clock in ms, cached once per iteration.
  [[nodiscard]] std::int64_t now_ms() const noexcept { return now_ms_; }
  /// update_now refreshes now_ms() (after long callbacks).
  void update_now() noexcept;

  /// arm_key makes the handler's on_key_timer(key) run at deadline_ms. The owner ignores
  /// stale firings itself; see TimerQueue.
  void arm_key(std::int64_t deadline_ms, std::uint64_t key) { keyed_.push(deadline_ms, key); }
  /// run_after runs task once after delay_ms; returns an id for cancel().
  std::uint64_t run_after(std::int64_t delay_ms, Task task);
  void cancel(std::uint64_t timer_id) { tasks_by_id_.erase(timer_id); }

  /// busy_since_ms is when the loop last left its poll (0 while it waits in poll): a
  /// watchdog on another thread compares it with the clock. Thread-safe read.
  [[nodiscard]] std::int64_t busy_since_ms() const noexcept { return busy_since_.load(std::memory_order_relaxed); }

  /// current is the loop whose run() is executing on the calling thread, or nullptr (any
  /// other thread, or before run() and after it returns). Code called from a handler uses it
  /// to arm loop timers of its own (the open-file cache's sweep).
  [[nodiscard]] static EventLoop* current() noexcept;
  /// id is unique to this loop within the process (a later loop at the same address has
  /// another), so a thread can tell whether it already armed a timer on this loop.
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }

 private:
  int poll_timeout_ms() const;
  void run_timers();
  void run_posted();

  Poller poller_;
  std::shared_ptr<Mailbox> mailbox_;
  TimerQueue keyed_;  // connection deadlines
  TimerQueue tasks_;  // run_after timers, key = id
  std::unordered_map<std::uint64_t, Task> tasks_by_id_;
  std::uint64_t next_timer_id_ = 1;
  std::int64_t now_ms_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> busy_since_{0};
  std::vector<Task> posted_;  // swapped with the mailbox each iteration
  IoHandler* handler_ = nullptr;
  const std::uint64_t id_;
};

/// monotonic_ms reads the monotonic clock in milliseconds.
std::int64_t monotonic_ms() noexcept;

}  // namespace nethttp::detail
