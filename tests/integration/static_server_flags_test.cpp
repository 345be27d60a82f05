// nethttp-static as a process: flag mistakes, a missing root and a busy port each give one
// error line on stderr and a non-zero exit; a good start serves the site, /healthz,
// /readyz and /metrics, and SIGTERM shuts it down cleanly with exit status 0; --sndbuf and
// --rcvbuf reach its listening socket.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

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

TEST_F(StaticServerProcess, BadSocketBufferSizes) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"--sndbuf", "-1"}, {"--sndbuf=64k"}, {"--rcvbuf", "536870913"}, {"--rcvbuf", ""}}) {
    SCOPED_TRACE(args[0] + " " + (args.size() > 1 ? args[1] : ""));
    args.insert(args.end(), {"--listen", "127.0.0.1:0", "--access-log", "off"});
    test::ChildProcess c(kBinary, args);
    EXPECT_EQ(c.wait_exit(), 2);
    EXPECT_EQ(lines(c.err()), 1u) << c.err();
    const std::string flag = args[0].substr(0, args[0].find('='));
    EXPECT_NE(c.err().find(flag + " wants a number from 0 to 536870912, got"), std::string::npos) << c.err();
  }
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
  EXPECT_NE(c.out().find("--sndbuf N"), std::string::npos);
  EXPECT_NE(c.out().find("--rcvbuf N"), std::string::npos);
}

#ifdef SYS_pidfd_getfd
// ListenerBuffers are the SO_SNDBUF and SO_RCVBUF of another process's listening socket;
// refused is the errno with which the kernel refused to share its descriptors, if it did.
struct ListenerBuffers {
  int send = -1;
  int receive = -1;
  int refused = 0;
};

// listener_buffers finds the IPv4 socket process pid listens on at port, taking a copy of
// each of its descriptors with pidfd_getfd(2) (allowed for a child of ours).
ListenerBuffers listener_buffers(pid_t pid, std::uint16_t port) {
  ListenerBuffers out;
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) {
    out.refused = errno;
    return out;
  }
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    const int target = std::atoi(entry.path().filename().c_str());
    UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), target, 0)));
    if (!fd) {
      if (errno == EPERM || errno == ENOSYS) out.refused = errno;
      continue;
    }
    int listening = 0;
    socklen_t len = sizeof listening;
    sockaddr_in a{};
    socklen_t alen = sizeof a;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening == 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &alen) != 0 || a.sin_family != AF_INET ||
        ntohs(a.sin_port) != port) {
      continue;
    }
    len = sizeof out.send;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &out.send, &len);
    len = sizeof out.receive;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &out.receive, &len);
    out.refused = 0;
    return out;
  }
  return out;
}

TEST_F(StaticServerProcess, SocketBufferSizesReachTheListener) {
  test::TempDir dir("nethttp-ssp");
  dir.write("site/index.html", "<p>hi</p>");
  const fs::path pid_file = dir.path() / "pid";
  test::ChildProcess c(kBinary, {"--root", (dir.path() / "site").string(), "--listen", "127.0.0.1:0", "--access-log",
                                 "off", "--sndbuf", "65536", "--rcvbuf=32768", "--pid-file", pid_file.string()});
  std::string line = c.read_stdout_line();
  std::uint16_t port = test::port_after(line, "http://127.0.0.1:");
  ASSERT_NE(port, 0) << line << c.err();
  EXPECT_EQ(test::get(port, "/").body, "<p>hi</p>");
  pid_t pid = 0;
  for (int i = 0; i < 500 && pid == 0; ++i) {  // written right after the line above
    std::ifstream in(pid_file);
    if (!(in >> pid)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(pid, 0);
  const ListenerBuffers got = listener_buffers(pid, port);
  if (got.send < 0 && got.refused != 0) GTEST_SKIP() << "pidfd_getfd(2) refused: " << std::strerror(got.refused);
  ASSERT_GE(got.send, 0) << "no socket listening on port " << port << " in process " << pid;
  // What the kernel reports for a socket given the same sizes (it doubles them).
  UniqueFd same(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int want_send = 65536, want_receive = 32768;
  ::setsockopt(same.get(), SOL_SOCKET, SO_SNDBUF, &want_send, sizeof want_send);
  ::setsockopt(same.get(), SOL_SOCKET, SO_RCVBUF, &want_receive, sizeof want_receive);
  socklen_t len = sizeof want_send;
  ::getsockopt(same.get(), SOL_SOCKET, SO_SNDBUF, &want_send, &len);
  len = sizeof want_receive;
  ::getsockopt(same.get(), SOL_SOCKET, SO_RCVBUF, &want_receive, &len);
  EXPECT_EQ(got.send, want_send);
  EXPECT_EQ(got.receive, want_receive);
  c.signal(SIGTERM);
  EXPECT_EQ(c.wait_exit(), 0) << c.err();
}
#endif

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
