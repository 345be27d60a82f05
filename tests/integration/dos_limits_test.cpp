// Denial-of-service bounds, each from an attack that once worked: one connection pinning
// descriptors with pipelined file requests it never reads, idle keep-alive connections
// locking out new clients at max_connections, a stalled reader holding its connection for
// twice write_timeout, and the open-file cache keeping deleted files open (with traffic,
// and on a loop that sees no more requests).

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "nethttp/file_server.hpp"
#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/eventually.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::eventually;
using test::RawClient;

// open_fds counts this process's descriptors (the server under test runs in it).
std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// deleted_fds counts descriptors whose file was deleted and whose name contains needle.
std::size_t deleted_fds(const std::string& needle) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    fs::path target = fs::read_symlink(e.path(), ec);
    if (ec) continue;
    const std::string t = target.string();
    if (t.find(needle) != std::string::npos && t.find("(deleted)") != std::string::npos) ++n;
  }
  return n;
}

TEST(DosLimits, UnreadPipelinedFilesPinBoundedDescriptors) {
  // 300 distinct 64 KiB files through a cache of 8: every queued response past the cache
  // would keep its own descriptor. The client never reads, on a 4 KiB receive window.
  test::TempDir root("nethttp-dosfd");
  const std::string body(64 * 1024, 'f');
  constexpr int kFiles = 300;
  for (int i = 0; i < kFiles; ++i) root.write("f" + std::to_string(i), body);
  FileServerOptions opts;
  opts.open_file_cache_entries = 8;
  testing::TestServer ts(file_server(root.path().string(), opts));
  ASSERT_EQ(test::get(ts.port(), "/f0").status, 200);
  const std::size_t before = open_fds();

  RawClient attacker(ts.port(), {.timeout = 10s, .receive_buffer = 4096});
  std::string batch;
  for (int i = 0; i < kFiles; ++i) batch += "GET /f" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n";
  attacker.send(batch);

  // Sample while the server works through what it will take; keep the worst.
  std::size_t worst = 0;
  auto until = std::chrono::steady_clock::now() + 1s;
  while (std::chrono::steady_clock::now() < until) {
    worst = std::max(worst, open_fds());
    std::this_thread::sleep_for(10ms);
  }
  // The cache (8), the queued files of one connection, the two sockets and some slack.
  EXPECT_LT(worst, before + 8 + 16 + 12) << "one unread connection pinned " << worst - before << " descriptors";

  // Everyone else is still served meanwhile.
  test::ParsedResponse other = test::get(ts.port(), "/f299");
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body.size(), body.size());
}

TEST(DosLimits, MaxConnectionsReclaimsTheOldestIdleKeepAlive) {
  std::mutex mu;
  std::condition_variable cv;
  int idle = 0;
  ServerConfig cfg = testing::test_config();
  cfg.max_connections = 2;
  cfg.idle_timeout = 30s;
  cfg.conn_state = [&](const ConnInfo&, ConnState s) {
    std::lock_guard lock(mu);
    if (s == ConnState::Idle) ++idle;
    cv.notify_all();
  };
  testing::TestServer ts([](ResponseWriter& w, Request&) { w.write("x"); }, cfg);
  RawClient oldest(ts.port()), newer(ts.port());
  oldest.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(oldest.read_response());
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return idle >= 1; }));
  }
  newer.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(newer.read_response());
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return idle >= 2; }));
  }

  // Both slots hold idle keep-alive connections: a new client is served anyway...
  std::optional<test::ParsedResponse> third;
  try {
    RawClient c(ts.port());
    c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    third = c.read_response();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "new client refused: " << e.what();
  }
  ASSERT_TRUE(third) << "new client locked out by idle keep-alive connections";
  EXPECT_EQ(third->body, "x");
  // ...at the expense of the oldest idle one; the newer keeps its connection.
  EXPECT_TRUE(oldest.wait_closed());
  newer.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  std::optional<test::ParsedResponse> again = newer.read_response();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "x");
}

TEST(DosLimits, StalledReaderIsClosedAfterOneWriteTimeout) {
  // A client that never reads a file far larger than the socket buffers: once the kernel
  // queue stops draining, one write_timeout later the connection is closed, not two.
  test::TempDir root("nethttp-doswt");
  fs::path big = root.write("big.bin", "");
  fs::resize_file(big, 64u * 1024 * 1024);  // sparse: costs no disk
  constexpr auto kTimeout = 400ms;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::chrono::steady_clock::time_point> closed_at;
  ServerConfig cfg = testing::test_config();
  cfg.write_timeout = kTimeout;
  cfg.conn_state = [&](const ConnInfo&, ConnState s) {
    if (s != ConnState::Closed) return;
    std::lock_guard lock(mu);
    closed_at = std::chrono::steady_clock::now();
    cv.notify_all();
  };
  testing::TestServer ts(file_server(root.path().string()), cfg);

  RawClient c(ts.port(), {.timeout = 10s, .receive_buffer = 4096});
  const auto sent_at = std::chrono::steady_clock::now();
  c.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return closed_at.has_value(); })) << "never closed";
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(*closed_at - sent_at);
  EXPECT_GE(took, kTimeout - 50ms);
  EXPECT_LT(took, kTimeout * 16 / 10) << "a stalled reader got " << took.count() << " ms";
}

TEST(DosLimits, DeletedFileIsLetGoOfByTheOpenFileCache) {
  test::TempDir root("nethttp-dosdel");
  root.write("gone.bin", std::string(256 * 1024, 'g'));
  root.write("other.txt", "other\n");
  FileServerOptions opts;
  opts.open_file_cache_valid = 50ms;
  testing::TestServer ts(file_server(root.path().string(), opts));
  ASSERT_EQ(test::get(ts.port(), "/gone.bin").status, 200);
  fs::remove(root.path() / "gone.bin");
  ASSERT_EQ(deleted_fds("gone.bin"), 1u) << "the cache should hold the file it just served";

  // Traffic for other paths goes on; the deleted file's descriptor must be closed within a
  // bounded time, without anyone asking for that path again.
  bool released = eventually(
      [&] {
        EXPECT_EQ(test::get(ts.port(), "/other.txt").status, 200);
        return deleted_fds("gone.bin") == 0;
      },
      2s);
  EXPECT_TRUE(released) << "a deleted file is still open";
}

TEST(DosLimits, DeletedFileIsLetGoOfWithoutTraffic) {
  // An idle loop: after the one request, nothing reaches the server again. The loop's own
  // sweep timer must close the deleted file's descriptor within two valid intervals.
  test::TempDir root("nethttp-dosidle");
  root.write("idle-gone.bin", std::string(256 * 1024, 'g'));
  FileServerOptions opts;
  opts.open_file_cache_valid = 50ms;
  testing::TestServer ts(file_server(root.path().string(), opts));
  ASSERT_EQ(test::get(ts.port(), "/idle-gone.bin").status, 200);
  fs::remove(root.path() / "idle-gone.bin");
  ASSERT_EQ(deleted_fds("idle-gone.bin"), 1u) << "the cache should hold the file it just served";
  EXPECT_TRUE(eventually([&] { return deleted_fds("idle-gone.bin") == 0; }, 2s))
      << "an idle loop still holds a deleted file open";
}

}  // namespace
}  // namespace nethttp
