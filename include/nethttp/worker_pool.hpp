#pragma once
/// \file worker_pool.hpp
/// WorkerPool: a fixed set of threads with a bounded queue, for work that must not run on an
/// event loop (blocking I/O, heavy computation). offload() in helpers.hpp puts handlers on it.

#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "nethttp/logger.hpp"

namespace nethttp {

/// WorkerPool runs tasks on a fixed number of threads, taking them from a queue that holds at
/// most queue_capacity tasks not yet started. Submitting to a full queue fails at once
/// instead of growing the queue, so an overloaded server sheds load (offload() answers 503)
/// rather than running out of memory.
///
/// Every member is thread-safe except the destructor. A task that throws is logged through
/// the pool's logger and the worker goes on with the next task.
class WorkerPool {
 public:
  /// Task is a move-only callable run once by a worker; unlike std::function it can own
  /// move-only state such as a DeferredResponse.
  class Task {
   public:
    Task() = default;
    /// A Task takes any callable with no arguments, including move-only ones.
    template <class F>
      requires(!std::same_as<std::remove_cvref_t<F>, Task> && std::invocable<std::remove_cvref_t<F>&>)
    Task(F&& f)  // NOLINT(google-explicit-constructor): lambdas convert like std::function
        : impl_(std::make_unique<Model<std::remove_cvref_t<F>>>(std::forward<F>(f))) {}
    /// operator() runs the callable; calling an empty Task does nothing.
    void operator()() {
      if (impl_) impl_->run();
    }
    /// A Task is true when it holds a callable.
    explicit operator bool() const noexcept { return impl_ != nullptr; }

   private:
    struct Concept {
      virtual ~Concept() = default;
      virtual void run() = 0;
    };
    template <class F>
    struct Model final : Concept {
      explicit Model(F f) : fn(std::move(f)) {}
      void run() override { fn(); }
      F fn;
    };
    std::unique_ptr<Concept> impl_;
  };

  /// Reservation is a claim on one queue slot, taken with try_reserve() before work that is
  /// hard to undo (such as ResponseWriter::defer()) and spent with submit(). Dropping an
  /// unspent Reservation gives the slot back. Move-only; must not outlive its pool.
  class Reservation {
   public:
    /// Moving transfers the claim.
    Reservation(Reservation&& other) noexcept : pool_(std::exchange(other.pool_, nullptr)) {}
    /// Move-assigning gives back the slot held before.
    Reservation& operator=(Reservation&& other) noexcept;
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    ~Reservation();

   private:
    friend class WorkerPool;
    explicit Reservation(WorkerPool* pool) noexcept : pool_(pool) {}
    WorkerPool* pool_;  // null once spent or moved from
  };

  /// WorkerPool starts threads workers (at least 1) and accepts up to queue_capacity (at
  /// least 1) waiting tasks. Task failures are logged through logger (null: default_logger()).
  /// Throws std::invalid_argument for a zero count and std::system_error if a thread cannot
  /// be started.
  WorkerPool(unsigned threads, std::size_t queue_capacity, std::shared_ptr<Logger> logger = nullptr);
  /// ~WorkerPool calls stop().
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// try_submit queues task. Returns false, dropping the task, when the queue is full or the
  /// pool is stopping.
  bool try_submit(Task task);
  /// try_reserve claims a queue slot, or returns nullopt when the queue is full or the pool
  /// is stopping.
  [[nodiscard]] std::optional<Reservation> try_reserve();
  /// submit queues task in the slot held by reservation. Never fails: the slot was claimed
  /// earlier. A task submitted after stop() began still runs, since stop() waits for
  /// outstanding reservations' tasks as well.
  void submit(Reservation reservation, Task task);
  /// stop refuses new work, lets the queued tasks (and those of outstanding reservations)
  /// finish, and joins the workers. Idempotent. Must not be called from a worker.
  void stop();

  /// queued is the number of tasks waiting for a worker (a snapshot).
  [[nodiscard]] std::size_t queued() const;
  /// capacity is the most tasks that may wait at once.
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  /// threads is the number of workers.
  [[nodiscard]] unsigned threads() const noexcept { return thread_count_; }
  /// logger is where task failures are reported.
  [[nodiscard]] Logger& logger() const noexcept { return *logger_; }

 private:
  void release_reservation() noexcept;
  void run_worker();

  const unsigned thread_count_;
  const std::size_t capacity_;
  const std::shared_ptr<Logger> logger_;  // never null
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;    // guarded by mu_
  std::size_t reserved_ = 0;  // slots claimed but not yet submitted; guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  std::vector<std::thread> workers_;
  std::once_flag joined_;
};

}  // namespace nethttp
