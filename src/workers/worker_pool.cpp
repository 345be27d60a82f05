// WorkerPool: threads take tasks from one deque under one mutex. The lock is held only to
// push or pop, never while a task runs. Capacity counts tasks waiting plus slots reserved
// but not yet filled, so try_reserve() followed by submit() can never overfill the queue.

#include "nethttp/worker_pool.hpp"

#include <exception>
#include <stdexcept>
#include <string>

namespace nethttp {

WorkerPool::Reservation& WorkerPool::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    if (pool_) pool_->release_reservation();
    pool_ = std::exchange(other.pool_, nullptr);
  }
  return *this;
}

WorkerPool::Reservation::~Reservation() {
  if (pool_) pool_->release_reservation();
}

WorkerPool::WorkerPool(unsigned threads, std::size_t queue_capacity, std::shared_ptr<Logger> logger)
    : thread_count_(threads), capacity_(queue_capacity), logger_(logger ? std::move(logger) : default_logger()) {
  if (threads == 0) throw std::invalid_argument("WorkerPool: threads must be at least 1");
  if (queue_capacity == 0) throw std::invalid_argument("WorkerPool: queue_capacity must be at least 1");
  workers_.reserve(threads);
  try {
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { run_worker(); });
  } catch (...) {
    stop();  // join the ones that started before rethrowing
    throw;
  }
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::try_submit(Task task) {
  std::optional<Reservation> r = try_reserve();
  if (!r) return false;
  submit(std::move(*r), std::move(task));
  return true;
}

std::optional<WorkerPool::Reservation> WorkerPool::try_reserve() {
  std::lock_guard lock(mu_);
  if (stopping_ || queue_.size() + reserved_ >= capacity_) return std::nullopt;
  ++reserved_;
  return Reservation(this);
}

void WorkerPool::submit(Reservation reservation, Task task) {
  {
    std::lock_guard lock(mu_);
    // The reservation's slot now holds the task: spend it without releasing through the
    // destructor (which would wake workers for nothing).
    reservation.pool_ = nullptr;
    --reserved_;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void WorkerPool::release_reservation() noexcept {
  {
    std::lock_guard lock(mu_);
    --reserved_;
  }
  cv_.notify_all();  // stop() may be waiting for the last reservation
}

void WorkerPool::stop() {
  std::call_once(joined_, [this] {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : workers_) {
      if (t.joinable()) t.join();
    }
  });
}

std::size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkerPool::run_worker() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !queue_.empty() || (stopping_ && reserved_ == 0); });
      if (queue_.empty()) return;  // stopping, and nothing more can arrive
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      task();
    } catch (const std::exception& e) {
      logger_->log(LogLevel::Error, std::string("worker pool: task failed: ") + e.what());
    } catch (...) {
      logger_->log(LogLevel::Error, "worker pool: task failed with a non-standard exception");
    }
  }
}

}  // namespace nethttp
