// Pure pieces of the reactor and output path: timer heap, date cache, output queue, and the
// event loop's cross-thread post().
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <system_error>
#include <thread>

#include "http/date_cache.hpp"
#include "http/output_queue.hpp"
#include "reactor/event_loop.hpp"
#include "reactor/timer_queue.hpp"

namespace nethttp::detail {
namespace {

TEST(TimerQueue, PopsInDeadlineOrderOnlyWhenDue) {
  TimerQueue q;
  q.push(30, 3);
  q.push(10, 1);
  q.push(20, 2);
  TimerEntry e;
  EXPECT_FALSE(q.pop_expired(5, e));
  ASSERT_TRUE(q.pop_expired(25, e));
  EXPECT_EQ(e.key, 1u);
  ASSERT_TRUE(q.pop_expired(25, e));
  EXPECT_EQ(e.key, 2u);
  EXPECT_FALSE(q.pop_expired(25, e));
  EXPECT_EQ(q.next_deadline(), 30);
}

TEST(DateCache, FormatsImfFixdate) {
  char buf[30] = {};
  format_http_date(784111777, buf);  // RFC 9110's example instant
  EXPECT_EQ(std::string_view(buf, 29), "Sun, 06 Nov 1994 08:49:37 GMT");
  DateCache cache;
  EXPECT_EQ(cache.get().size(), 29u);
  EXPECT_EQ(cache.get().substr(26), "GMT");
}

TEST(OutputQueue, GathersBytesAndFilesInOrder) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  UniqueFd a(sv[0]), b(sv[1]);
  char path[] = "/tmp/nethttp-oq-XXXXXX";
  auto file = std::make_shared<UniqueFd>(::mkstemp(path));
  ::unlink(path);
  ASSERT_EQ(::write(file->get(), "0123456789", 10), 10);

  OutputQueue q;
  q.append("head|");
  q.append_file({file, 2, 5});
  q.append("|tail");
  EXPECT_EQ(q.buffered_bytes(), 10u);
  std::size_t written = 0;
  // A UNIX socket has no sendfile support on every kernel; TCP is covered by integration
  // tests. Here the byte segments and their order matter.
  auto res = q.write_to(a.get(), 1 << 20, written);
  if (res == OutputQueue::Result::failed) GTEST_SKIP() << "sendfile to AF_UNIX unsupported here";
  ASSERT_EQ(res, OutputQueue::Result::drained);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.buffered_bytes(), 0u);
  char buf[64];
  ssize_t n = ::read(b.get(), buf, sizeof buf);
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)), "head|23456|tail");
}

TEST(EventLoop, PostRunsOnTheLoopThreadAndStopReturns) {
  struct NoIo : IoHandler {
    void on_io(const PollEvent&) override {}
    void on_key_timer(std::uint64_t, std::int64_t) override {}
  } io;
  EventLoop loop;
  std::atomic<int> ran{0};
  std::atomic<int> elsewhere{0};  // tasks that ran on a thread other than the loop's
  std::thread::id loop_thread;    // written by the loop thread before run(), read only there
  std::thread t([&] {
    loop_thread = std::this_thread::get_id();
    loop.run(io);
  });
  std::vector<std::thread> posters;
  for (int i = 0; i < 4; ++i) {
    posters.emplace_back([&] {
      for (int k = 0; k < 250; ++k) {
        loop.post([&] {
          ran.fetch_add(1);
          if (std::this_thread::get_id() != loop_thread) elsewhere.fetch_add(1);
        });
      }
    });
  }
  for (auto& p : posters) p.join();
  std::atomic<bool> done{false};
  loop.post([&] { done = true; });
  while (!done) std::this_thread::yield();
  EXPECT_EQ(ran.load(), 1000);
  EXPECT_EQ(elsewhere.load(), 0);
  loop.stop();
  t.join();
  EXPECT_NE(loop_thread, std::this_thread::get_id());
}

TEST(EventLoop, RunReturnsThePollersErrorInsteadOfThrowing) {
  struct NoIo : IoHandler {
    void on_io(const PollEvent&) override {}
    void on_key_timer(std::uint64_t, std::int64_t) override {}
  } io;
  EventLoop loop;
  fail_next_poll(EBADF);
  EXPECT_EQ(loop.run(io), std::error_code(EBADF, std::system_category()));
  // The fault fires once: the next run polls for real again.
  loop.post([&] { loop.stop(); });
  EXPECT_FALSE(loop.run(io));
}

TEST(EventLoop, RunAfterFiresOnceAndCancelPreventsIt) {
  struct NoIo : IoHandler {
    void on_io(const PollEvent&) override {}
    void on_key_timer(std::uint64_t, std::int64_t) override {}
  } io;
  EventLoop loop;
  std::atomic<int> fired{0}, cancelled{0};
  loop.post([&] {
    loop.run_after(5, [&] {
      fired++;
      loop.stop();
    });
    auto id = loop.run_after(1, [&] { cancelled++; });
    loop.cancel(id);
  });
  loop.run(io);
  EXPECT_EQ(fired.load(), 1);
  EXPECT_EQ(cancelled.load(), 0);
}

TEST(EventLoop, CurrentIsTheRunningLoopOnItsThreadOnly) {
  struct NoIo : IoHandler {
    void on_io(const PollEvent&) override {}
    void on_key_timer(std::uint64_t, std::int64_t) override {}
  } io;
  EventLoop loop, other;
  EXPECT_NE(loop.id(), other.id());
  EXPECT_EQ(EventLoop::current(), nullptr);
  EventLoop* inside = nullptr;
  loop.post([&] {
    inside = EventLoop::current();
    loop.stop();
  });
  loop.run(io);
  EXPECT_EQ(inside, &loop);
  EXPECT_EQ(EventLoop::current(), nullptr) << "run() must restore current() when it returns";
}

}  // namespace
}  // namespace nethttp::detail
