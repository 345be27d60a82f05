// nethttp-static's control signals as a process: SIGHUP re-reads --config (and keeps the
// old settings when the file is bad) and reopens --access-log, SIGUSR2 whose new process fails to start leaves the
// old one serving, --no-health turns /healthz and /readyz off, and a second instance on a
// busy port fails with "Address already in use". The happy hot-upgrade path under load is
// tests/deploy/hot_upgrade.sh.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>

#include "support/child_process.hpp"
#include "support/raw_client.hpp"
#include "support/static_server.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

const std::string kBinary = test::static_server_binary();

class StaticServerSignals : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kBinary.empty()) GTEST_SKIP() << test::kStaticServerMissing;
    dir.write("site/index.html", "<p>hi</p>");
    write_config("cache-control = max-age=1\n");
  }
  void write_config(const std::string& text) { std::ofstream(dir.path() / "nethttp.conf", std::ios::trunc) << text; }
  std::string root() const { return (dir.path() / "site").string(); }
  std::string config() const { return (dir.path() / "nethttp.conf").string(); }
  test::TempDir dir{"nethttp-sss"};
};

TEST_F(StaticServerSignals, SighupReloadsConfigAndKeepsItWhenBad) {
  test::ChildProcess c(kBinary, {"--root", root(), "--listen", "127.0.0.1:0", "--threads", "1", "--access-log", "off",
                                 "--config", config()});
  std::uint16_t port = test::port_after(c.read_stdout_line(), "http://127.0.0.1:");
  ASSERT_NE(port, 0) << c.err();
  EXPECT_EQ(test::get(port, "/").header("Cache-Control"), "max-age=1");

  write_config("# reloaded\ncache-control = public, max-age=99\nlog-level = warn\n");
  c.signal(SIGHUP);
  std::string line = c.read_stdout_line_containing("SIGHUP");
  EXPECT_EQ(line,
            "nethttp-static: SIGHUP: reloaded " + config() + ": cache-control \"public, max-age=99\", log-level warn");
  EXPECT_EQ(test::get(port, "/").header("Cache-Control"), "public, max-age=99");

  write_config("cache-control = max-age=5\nbogus = 1\n");
  c.signal(SIGHUP);
  line = c.read_stdout_line_containing("SIGHUP");
  EXPECT_EQ(line,
            "nethttp-static: SIGHUP: keeping the current settings: " + config() + ":2: unknown setting \"bogus\"");
  EXPECT_EQ(test::get(port, "/").header("Cache-Control"), "public, max-age=99");

  c.signal(SIGTERM);
  EXPECT_EQ(c.wait_exit(), 0) << c.err();
}

// SIGHUP also reopens --access-log under its path, as logrotate expects: lines before the
// signal stay in the renamed file, lines after go to a new file. Requests the server
// rejects itself (here a 400 for a missing Host) are logged like any other.
TEST_F(StaticServerSignals, SighupReopensTheAccessLogAndRejectsAreLogged) {
  const std::string log = (dir.path() / "access.log").string();
  dir.write("site/a.txt", "a");
  test::ChildProcess c(kBinary, {"--root", root(), "--listen", "127.0.0.1:0", "--threads", "1", "--access-log", log});
  std::uint16_t port = test::port_after(c.read_stdout_line(), "http://127.0.0.1:");
  ASSERT_NE(port, 0) << c.err();
  EXPECT_EQ(test::get(port, "/").status, 200);
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  // The log's writer thread writes the line soon after the response: rotate only once it has.
  for (int i = 0; i < 200 && slurp(log).find("\"GET / HTTP/1.1\" 200") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  std::filesystem::rename(log, log + ".1");
  c.signal(SIGHUP);
  EXPECT_EQ(c.read_stdout_line_containing("access log"), "nethttp-static: SIGHUP: access log reopened");
  EXPECT_EQ(test::get(port, "/a.txt").status, 200);
  std::optional<test::ParsedResponse> rejected = test::roundtrip(port, "GET /no-host HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(rejected.has_value());
  EXPECT_EQ(rejected->status, 400);

  c.signal(SIGTERM);
  ASSERT_EQ(c.wait_exit(), 0) << c.err();  // exit drains the log's queue
  const std::string before = slurp(log + ".1"), after = slurp(log);
  EXPECT_NE(before.find("\"GET / HTTP/1.1\" 200"), std::string::npos) << before;
  EXPECT_EQ(before.find("/a.txt"), std::string::npos) << before;
  EXPECT_NE(after.find("\"GET /a.txt HTTP/1.1\" 200"), std::string::npos) << after;
  EXPECT_NE(after.find("\"GET /no-host HTTP/1.1\" 400"), std::string::npos) << after;
}

TEST_F(StaticServerSignals, FailedUpgradeKeepsServing) {
  test::ChildProcess c(kBinary, {"--root", root(), "--listen", "127.0.0.1:0", "--threads", "2", "--access-log", "off",
                                 "--config", config()});
  std::uint16_t port = test::port_after(c.read_stdout_line(), "http://127.0.0.1:");
  ASSERT_NE(port, 0) << c.err();
  // The new process reads the same --config at startup: a broken one makes it exit 1.
  write_config("log-level = loud\n");
  c.signal(SIGUSR2);
  EXPECT_EQ(c.read_stdout_line_containing("SIGUSR2: starting"),
            "nethttp-static: SIGUSR2: starting a new process on the same sockets");
  std::string failed = c.read_stdout_line_containing("upgrade failed");
  EXPECT_NE(failed.find("nethttp-static: SIGUSR2: upgrade failed, still serving: new process "), std::string::npos)
      << failed;
  EXPECT_NE(failed.find("exited with status 1 before it was ready"), std::string::npos) << failed;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(test::get(port, "/").body, "<p>hi</p>");
  EXPECT_EQ(test::get(port, "/readyz").status, 200);
  c.signal(SIGTERM);
  EXPECT_EQ(c.wait_exit(), 0) << c.err();
  // The failed process said why on the stderr it inherited.
  EXPECT_NE(c.err().find("log-level wants debug, info, warn or error, got \"loud\""), std::string::npos) << c.err();
}

TEST_F(StaticServerSignals, NoHealthTurnsTheProbesOff) {
  test::ChildProcess c(
      kBinary, {"--root", root(), "--listen", "127.0.0.1:0", "--threads", "1", "--access-log", "off", "--no-health"});
  std::uint16_t port = test::port_after(c.read_stdout_line(), "http://127.0.0.1:");
  ASSERT_NE(port, 0) << c.err();
  EXPECT_EQ(test::get(port, "/healthz").status, 404);
  EXPECT_EQ(test::get(port, "/readyz").status, 404);
  c.signal(SIGTERM);
  EXPECT_EQ(c.wait_exit(), 0) << c.err();
}

TEST_F(StaticServerSignals, SecondInstanceOnTheSamePortFails) {
  test::ChildProcess first(kBinary,
                           {"--root", root(), "--listen", "127.0.0.1:0", "--threads", "2", "--access-log", "off"});
  std::uint16_t port = test::port_after(first.read_stdout_line(), "http://127.0.0.1:");
  ASSERT_NE(port, 0) << first.err();
  const std::string taken = "127.0.0.1:" + std::to_string(port);
  test::ChildProcess second(kBinary, {"--root", root(), "--listen", taken, "--threads", "2", "--access-log", "off"});
  EXPECT_EQ(second.wait_exit(), 1);
  EXPECT_EQ(second.err(), "nethttp-static: cannot listen on " + taken + ": Address already in use\n");
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait_exit(), 0) << first.err();
}

}  // namespace
}  // namespace nethttp
