// Access log: reopen() for log rotation, and lines routed to an application's sink.

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "nethttp/middleware.hpp"
#include "nethttp/testing.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

void serve_n(const Handler& h, std::string_view target, int n) {
  for (int i = 0; i < n; ++i) {
    Request r("GET", target);
    testing::serve(h, r);
  }
}

Handler ok_handler(const AccessLog& log) {
  return chain([](ResponseWriter& w, Request&) { w.write("ok"); }, {log.middleware()});
}

// logrotate's default: rename the file, then tell the program to reopen.
TEST(AccessLogReopen, AfterARenameLinesGoToANewFileAtThePath) {
  test::TempDir dir("nethttp-alr");
  fs::path path = dir.path() / "access.log";
  AccessLog log({.format = AccessLogFormat::Common, .destination = path.string()});
  Handler h = ok_handler(log);
  serve_n(h, "/before", 2);
  ASSERT_TRUE(log.flush());
  fs::rename(path, dir.path() / "access.log.1");
  serve_n(h, "/renamed", 1);  // still the old file: it is open
  ASSERT_TRUE(log.flush());
  EXPECT_FALSE(fs::exists(path));
  ASSERT_FALSE(log.reopen());
  serve_n(h, "/after", 2);
  ASSERT_TRUE(log.flush());

  auto old_lines = lines_of(dir.path() / "access.log.1");
  auto new_lines = lines_of(path);
  ASSERT_EQ(old_lines.size(), 3u);
  ASSERT_EQ(new_lines.size(), 2u);
  EXPECT_NE(old_lines[2].find("GET /renamed "), std::string::npos) << old_lines[2];
  EXPECT_NE(new_lines[0].find("GET /after "), std::string::npos) << new_lines[0];
}

// Rotations while four threads log: every line lands in exactly one of the files.
TEST(AccessLogReopen, NoLineIsLostWhileRotatingUnderLoad) {
  test::TempDir dir("nethttp-alr");
  fs::path path = dir.path() / "access.log";
  AccessLog log({.format = AccessLogFormat::Common, .destination = path.string(), .flush_every_line = false});
  Handler h = ok_handler(log);
  constexpr int kThreads = 4, kPerThread = 200, kRotations = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back([&] { serve_n(h, "/load", kPerThread); });
  for (int i = 0; i < kRotations; ++i) {
    std::error_code ec;
    fs::rename(path, dir.path() / ("access.log." + std::to_string(i)), ec);  // may not exist yet
    EXPECT_FALSE(log.reopen());
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(log.flush());
  std::size_t total = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    for (const std::string& line : lines_of(entry.path())) {
      EXPECT_NE(line.find("\"GET /load HTTP/1.1\" 200 2"), std::string::npos) << line;
      ++total;
    }
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kThreads * kPerThread));
}

TEST(AccessLogReopen, AnUnopenablePathIsAnErrorAndTheOldFileStays) {
  test::TempDir dir("nethttp-alr");
  fs::path logs = dir.path() / "logs";
  fs::create_directories(logs);
  AccessLog log({.format = AccessLogFormat::Common, .destination = (logs / "access.log").string()});
  Handler h = ok_handler(log);
  serve_n(h, "/one", 1);
  ASSERT_TRUE(log.flush());
  fs::rename(logs, dir.path() / "logs.old");
  std::ofstream(logs) << "a file where the directory was\n";  // fails even for root
  std::error_code ec = log.reopen();
  EXPECT_EQ(ec, std::error_code(ENOTDIR, std::system_category())) << ec.message();
  serve_n(h, "/two", 1);
  ASSERT_TRUE(log.flush());
  EXPECT_EQ(lines_of(dir.path() / "logs.old" / "access.log").size(), 2u);
}

TEST(AccessLogReopen, NothingToReopenForStreamsAndSinks) {
  AccessLog to_stdout({.destination = "stdout"});
  EXPECT_FALSE(to_stdout.reopen());
  AccessLog to_sink({.sink = [](std::string_view) {}});
  EXPECT_FALSE(to_sink.reopen());
}

TEST(AccessLogSink, ReceivesEveryLineInOrderOffTheLoop) {
  std::mutex mu;
  std::vector<std::string> got;
  std::vector<std::thread::id> threads;
  AccessLog log({.format = AccessLogFormat::Common, .sink = [&](std::string_view line) {
                   std::lock_guard lock(mu);
                   got.emplace_back(line);
                   threads.push_back(std::this_thread::get_id());
                 }});
  Handler h = ok_handler(log);
  for (int i = 0; i < 5; ++i) serve_n(h, "/n" + std::to_string(i), 1);
  ASSERT_TRUE(log.flush());
  std::lock_guard lock(mu);
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_NE(got[static_cast<std::size_t>(i)].find("\"GET /n" + std::to_string(i) + " HTTP/1.1\" 200 2"),
              std::string::npos)
        << got[static_cast<std::size_t>(i)];
    EXPECT_EQ(got[static_cast<std::size_t>(i)].find('\n'), std::string::npos);
    EXPECT_NE(threads[static_cast<std::size_t>(i)], std::this_thread::get_id());  // the writer thread
  }
}

TEST(AccessLogSink, AThrowingSinkLosesThatLineOnly) {
  std::atomic<int> calls{0};
  std::vector<std::string> got;
  AccessLog log({.format = AccessLogFormat::Common, .sink = [&](std::string_view line) {
                   if (calls.fetch_add(1) == 0) throw std::runtime_error("sink failure");
                   got.emplace_back(line);
                 }});
  Handler h = ok_handler(log);
  serve_n(h, "/x", 3);
  ASSERT_TRUE(log.flush());
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(got.size(), 2u);
}

}  // namespace
}  // namespace nethttp
