// WorkerPool: bounded queue, reservations, draining stop, failing tasks.

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "nethttp/worker_pool.hpp"

namespace nethttp {
namespace {

TEST(WorkerPool, RunsEveryTaskOnWorkerThreads) {
  std::atomic<int> sum{0};
  std::mutex mu;
  std::vector<std::thread::id> ids;
  {
    WorkerPool pool(3, 1000, null_logger());
    EXPECT_EQ(pool.threads(), 3u);
    EXPECT_EQ(pool.capacity(), 1000u);
    for (int i = 1; i <= 100; ++i) {
      ASSERT_TRUE(pool.try_submit([&, i] {
        sum += i;
        std::lock_guard lock(mu);
        ids.push_back(std::this_thread::get_id());
      }));
    }
  }  // the destructor drains the queue
  EXPECT_EQ(sum.load(), 5050);
  for (auto id : ids) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(WorkerPool, FullQueueRejectsInsteadOfGrowing) {
  WorkerPool pool(1, 2, null_logger());
  std::latch started(1);
  std::promise<void> gate;
  auto open = gate.get_future().share();
  ASSERT_TRUE(pool.try_submit([&] {
    started.count_down();
    open.wait();
  }));
  started.wait();
  std::atomic<int> ran{0};
  EXPECT_TRUE(pool.try_submit([&] { ++ran; }));
  EXPECT_TRUE(pool.try_submit([&] { ++ran; }));
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_FALSE(pool.try_submit([&] { ++ran; }));
  EXPECT_FALSE(pool.try_reserve().has_value());
  gate.set_value();
  pool.stop();
  EXPECT_EQ(ran.load(), 2);
}

TEST(WorkerPool, ReservationHoldsASlotUntilSpentOrDropped) {
  WorkerPool pool(1, 1, null_logger());
  std::latch started(1);
  std::promise<void> gate;
  auto open = gate.get_future().share();
  ASSERT_TRUE(pool.try_submit([&] {
    started.count_down();
    open.wait();
  }));
  started.wait();
  {
    std::optional<WorkerPool::Reservation> r = pool.try_reserve();
    ASSERT_TRUE(r);
    EXPECT_FALSE(pool.try_reserve());  // the only slot is claimed
    WorkerPool::Reservation moved = std::move(*r);
    EXPECT_FALSE(pool.try_reserve());
  }  // dropped unspent: the slot comes back
  std::optional<WorkerPool::Reservation> r = pool.try_reserve();
  ASSERT_TRUE(r);
  std::promise<int> result;
  pool.submit(std::move(*r), [&] { result.set_value(42); });
  gate.set_value();
  EXPECT_EQ(result.get_future().get(), 42);
}

TEST(WorkerPool, TaskMayOwnMoveOnlyState) {
  WorkerPool pool(1, 1, null_logger());
  std::promise<int> result;
  auto value = std::make_unique<int>(7);
  ASSERT_TRUE(pool.try_submit([v = std::move(value), &result] { result.set_value(*v); }));
  EXPECT_EQ(result.get_future().get(), 7);
}

class CountingLogger final : public Logger {
 public:
  void log(LogLevel level, std::string_view m) override {
    std::lock_guard lock(mu_);
    if (level == LogLevel::Error) last_ = std::string(m);
    ++count_;
  }
  int count() const {
    std::lock_guard lock(mu_);
    return count_;
  }
  std::string last() const {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  mutable std::mutex mu_;
  int count_ = 0;
  std::string last_;
};

TEST(WorkerPool, ThrowingTaskIsLoggedAndWorkerGoesOn) {
  auto logger = std::make_shared<CountingLogger>();
  WorkerPool pool(1, 4, logger);
  ASSERT_TRUE(pool.try_submit([] { throw std::runtime_error("task broke"); }));
  std::promise<void> after;
  ASSERT_TRUE(pool.try_submit([&] { after.set_value(); }));
  after.get_future().get();
  pool.stop();
  EXPECT_EQ(logger->count(), 1);
  EXPECT_NE(logger->last().find("task broke"), std::string::npos);
}

TEST(WorkerPool, StopRefusesNewWorkAndIsIdempotent) {
  WorkerPool pool(2, 4, null_logger());
  pool.stop();
  pool.stop();
  EXPECT_FALSE(pool.try_submit([] {}));
  EXPECT_FALSE(pool.try_reserve());
}

TEST(WorkerPool, StopWaitsForOutstandingReservation) {
  auto pool = std::make_unique<WorkerPool>(1, 2, null_logger());
  std::optional<WorkerPool::Reservation> r = pool->try_reserve();
  ASSERT_TRUE(r);
  std::atomic<bool> ran{false};
  std::thread stopper([&] { pool->stop(); });
  // stop() cannot finish before the reserved task has been submitted and run.
  pool->submit(std::move(*r), [&] { ran = true; });
  stopper.join();
  EXPECT_TRUE(ran.load());
}

TEST(WorkerPool, RejectsZeroSizes) {
  EXPECT_THROW(WorkerPool(0, 1), std::invalid_argument);
  EXPECT_THROW(WorkerPool(1, 0), std::invalid_argument);
}

TEST(WorkerPool, ConcurrentSubmittersNeverExceedCapacity) {
  WorkerPool pool(2, 8, null_logger());
  std::atomic<int> accepted{0}, ran{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < 4; ++t) {
    submitters.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (pool.try_submit([&] { ++ran; })) ++accepted;
        EXPECT_LE(pool.queued(), pool.capacity());
      }
    });
  }
  for (auto& t : submitters) t.join();
  pool.stop();
  EXPECT_EQ(ran.load(), accepted.load());
  EXPECT_GT(accepted.load(), 0);
}

}  // namespace
}  // namespace nethttp
