// nethttp-static as a process: flag mistakes, a missing root and a busy port each give one
// error line on stderr and a non-zero exit; a good start serves the site, /healthz,
// /readyz and /metrics, and SIGTERM shuts it down cleanly with exit status 0.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "nethttp/unique_fd.hpp"
#include "support/child_process.hpp"
#include "support/loopback_listener.hpp"
#include "support/raw_client.hpp"
#include "support/static_server.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

namespace fs = std::filesystem;

const std::string kBinary = test::static_server_binary();

class StaticServerProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kBinary.empty()) GTEST_SKIP() << test::kStaticServerMissing;
  }
  static std::size_t lines(const std::string& s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
  }
};

TEST_F(StaticServerProcess, UnknownFlag) {
  test::ChildProcess c(kBinary, {"--no-such-flag"});
  EXPECT_NE(c.wait_exit(), 0);
  EXPECT_EQ(lines(c.err()), 1u) << c.err();
  EXPECT_NE(c.err().find("--no-such-flag"), std::string::npos);
}

TEST_F(StaticServerProcess, FlagWithoutValueAndBadThreads) {
  test::ChildProcess missing(kBinary, {"--root"});
  EXPECT_NE(missing.wait_exit(), 0);
  EXPECT_EQ(lines(missing.err()), 1u) << missing.err();
  EXPECT_NE(missing.err().find("--root needs a value"), std::string::npos);
  test::ChildProcess threads(kBinary, {"--threads", "many"});
  EXPECT_NE(threads.wait_exit(), 0);
  EXPECT_EQ(lines(threads.err()), 1u) << threads.err();
  EXPECT_NE(threads.err().find("--threads"), std::string::npos);
}

TEST_F(StaticServerProcess, MissingRoot) {
  test::ChildProcess c(kBinary, {"--root", "/nonexistent/nethttp-site", "--listen", "127.0.0.1:0"});
  EXPECT_NE(c.wait_exit(), 0);
  EXPECT_EQ(lines(c.err()), 1u) << c.err();
  EXPECT_NE(c.err().find("/nonexistent/nethttp-site"), std::string::npos);
  EXPECT_NE(c.err().find("No such file or directory"), std::string::npos);
}

TEST_F(StaticServerProcess, RootThatIsAFile) {
  test::ChildProcess c(kBinary, {"--root", kBinary, "--listen", "127.0.0.1:0"});
  EXPECT_NE(c.wait_exit(), 0);
  EXPECT_EQ(lines(c.err()), 1u) << c.err();
  EXPECT_NE(c.err().find("Not a directory"), std::string::npos);
}

TEST_F(StaticServerProcess, BusyPort) {
  // Hold a port without SO_REUSEPORT, so the server's bind must fail.
  std::uint16_t port = 0;
  UniqueFd holder = test::loopback_listener(port);
  ASSERT_TRUE(holder);
  std::string listen = "127.0.0.1:" + std::to_string(port);
  test::ChildProcess c(kBinary, {"--listen", listen, "--access-log", "off"});
  EXPECT_NE(c.wait_exit(), 0);
  EXPECT_EQ(lines(c.err()), 1u) << c.err();
  EXPECT_NE(c.err().find("cannot listen on " + listen), std::string::npos) << c.err();
  EXPECT_NE(c.err().find("in use"), std::string::npos) << c.err();
}

TEST_F(StaticServerProcess, HelpExitsZero) {
  test::ChildProcess c(kBinary, {"--help"});
  EXPECT_EQ(c.wait_exit(), 0);
  EXPECT_TRUE(c.err().empty());
  EXPECT_NE(c.out().find("--root DIR"), std::string::npos);
  EXPECT_NE(c.out().find("--access-log"), std::string::npos);
}

TEST_F(StaticServerProcess, ServesAndShutsDownOnSigterm) {
  test::TempDir dir("nethttp-ssp");
  dir.write("site/index.html", "<p>hi</p>");
  dir.write("site/sub/a.txt", "A");
  fs::path root = dir.path() / "site";
  fs::path log = dir.path() / "access.log";  // beside the root, not served

  {
    test::ChildProcess c(kBinary, {"--root", root.string(), "--listen", "127.0.0.1:0", "--threads", "2", "--access-log",
                                   log.string(), "--metrics", "--list-dirs", "--cache-control", "max-age=5"});
    // "nethttp-static: serving ROOT on http://127.0.0.1:PORT/ with 2 loops"
    std::string line = c.read_stdout_line();
    EXPECT_NE(line.find("http://127.0.0.1:"), std::string::npos) << line;
    std::uint16_t port = test::port_after(line, "http://127.0.0.1:");
    ASSERT_NE(port, 0) << line << c.err();

    test::ParsedResponse index = test::get(port, "/");
    EXPECT_EQ(index.status, 200);
    EXPECT_EQ(index.body, "<p>hi</p>");
    EXPECT_EQ(index.header("Cache-Control"), "max-age=5");
    test::ParsedResponse listing = test::get(port, "/sub/");
    EXPECT_EQ(listing.status, 200);
    EXPECT_NE(listing.body.find("a.txt"), std::string::npos);
    EXPECT_EQ(test::get(port, "/healthz").status, 200);
    EXPECT_EQ(test::get(port, "/readyz").status, 200);
    test::ParsedResponse metrics = test::get(port, "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("nethttp_requests_total"), std::string::npos);
    EXPECT_EQ(test::get(port, "/missing").status, 404);

    c.signal(SIGTERM);
    EXPECT_EQ(c.wait_exit(), 0) << c.err();
    EXPECT_NE(c.out().find("stopped"), std::string::npos);
  }
  std::ifstream in(log);
  std::string access((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(access.find("\"GET / HTTP/1.1\" 200"), std::string::npos) << access;
  EXPECT_NE(access.find("\"GET /missing HTTP/1.1\" 404"), std::string::npos) << access;
}

}  // namespace
}  // namespace nethttp
