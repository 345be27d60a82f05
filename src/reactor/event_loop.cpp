#include "reactor/event_loop.hpp"

#include <time.h>

#include <algorithm>
#include <utility>

namespace nethttp::detail {

std::int64_t monotonic_ms() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

bool Mailbox::post(Task task) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    wake = tasks_.empty();  // one wakeup per batch: the loop drains everything at once
    tasks_.push_back(std::move(task));
  }
  if (wake) wakeup_.notify();
  return true;
}

void Mailbox::take(std::vector<Task>& out) {
  std::lock_guard lock(mu_);
  out.swap(tasks_);
}

void Mailbox::close() {
  std::vector<Task> dropped;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    dropped.swap(tasks_);
  }
  // dropped tasks are destroyed outside the lock: their captures may post again.
}

std::atomic<int> poll_fault{0};

namespace {
thread_local EventLoop* current_loop = nullptr;
std::atomic<std::uint64_t> next_loop_id{1};
}  // namespace

EventLoop* EventLoop::current() noexcept { return current_loop; }

EventLoop::EventLoop()
    : mailbox_(std::make_shared<Mailbox>()),
      now_ms_(monotonic_ms()),
      id_(next_loop_id.fetch_add(1, std::memory_order_relaxed)) {
  if (auto ec = poller_.add(mailbox_->wake_fd(), kWakeToken, Interest{.read = true})) {
    throw std::system_error(ec, "EventLoop: watch wakeup");
  }
}

EventLoop::~EventLoop() { mailbox_->close(); }

void EventLoop::update_now() noexcept { now_ms_ = monotonic_ms(); }

void EventLoop::stop() {
  stopping_.store(true);
  mailbox_->post([] {});  // wake the poll
}

std::uint64_t EventLoop::run_after(std::int64_t delay_ms, Task task) {
  std::uint64_t id = next_timer_id_++;
  tasks_by_id_.emplace(id, std::move(task));
  tasks_.push(now_ms_ + std::max<std::int64_t>(delay_ms, 0), id);
  return id;
}

int EventLoop::poll_timeout_ms() const {
  if (!posted_.empty()) return 0;
  std::int64_t next = -1;
  if (!keyed_.empty()) next = keyed_.next_deadline();
  if (!tasks_.empty() && (next < 0 || tasks_.next_deadline() < next)) next = tasks_.next_deadline();
  if (next < 0) return -1;
  std::int64_t wait = next - monotonic_ms();
  return static_cast<int>(std::clamp<std::int64_t>(wait, 0, 60'000));
}

void EventLoop::run_timers() {
  TimerEntry e;
  while (keyed_.pop_expired(now_ms_, e)) handler_->on_key_timer(e.key, now_ms_);
  while (tasks_.pop_expired(now_ms_, e)) {
    auto it = tasks_by_id_.find(e.key);
    if (it == tasks_by_id_.end()) continue;  // cancelled
    Task task = std::move(it->second);
    tasks_by_id_.erase(it);
    task();
  }
}

void EventLoop::run_posted() {
  mailbox_->take(posted_);
  // Tasks may post more; those land in the mailbox and run next iteration.
  for (Task& posted : posted_) {
    Task task = std::move(posted);  // destroyed as soon as it has run
    task();
  }
  posted_.clear();
}

std::error_code EventLoop::run(IoHandler& handler) {
  handler_ = &handler;
  // current() is this loop until run() leaves, by return or by a callback's exception.
  struct Current {
    EventLoop* outer;
    ~Current() { current_loop = outer; }
  } const current{std::exchange(current_loop, this)};
  PollEvent events[256];
  std::error_code ec;
  while (!stopping_.load(std::memory_order_relaxed)) {
    busy_since_.store(0, std::memory_order_relaxed);
    int n = poller_.wait(events, poll_timeout_ms(), ec);
    if (n < 0) break;
    now_ms_ = monotonic_ms();
    busy_since_.store(now_ms_, std::memory_order_relaxed);
    bool woken = false;
    for (int i = 0; i < n; ++i) {
      if (events[i].token == kWakeToken) {
        woken = true;
        continue;
      }
      handler.on_io(events[i]);
    }
    if (woken) mailbox_->drain_wakeups();
    run_posted();
    run_timers();
    handler.after_events();
  }
  handler_ = nullptr;
  return ec;
}

}  // namespace nethttp::detail
