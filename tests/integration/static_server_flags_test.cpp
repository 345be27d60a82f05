// nethttp-static as a process: flag mistakes, a missing root and a busy port each give one
// error line on stderr and a non-zero exit; a good start serves the site, /healthz,
// /readyz and /metrics, and SIGTERM shuts it down cleanly with exit status 0.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nethttp/unique_fd.hpp"
#include "support/raw_client.hpp"

extern char** environ;

namespace nethttp {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The binary's path comes from examples/static_server/CMakeLists.txt; without the examples
// the tests skip.
#ifdef NETHTTP_STATIC_BIN
const std::string kBinary = NETHTTP_STATIC_BIN;
#else
const std::string kBinary;
#endif

// Child is a running nethttp-static with its stdout and stderr on pipes.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    out_.reset(out[0]);
    err_.reset(err[0]);
    UniqueFd out_w(out[1]), err_w(err[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
    posix_spawn_file_actions_adddup2(&actions, err_w.get(), 2);
    args.insert(args.begin(), kBinary);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, kBinary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn failed");
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // wait_exit reads both pipes to EOF, then returns the exit status (-1 if killed by a signal).
  int wait_exit() {
    drain(std::chrono::seconds(10));
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  // read_stdout_line waits for one complete line on stdout.
  std::string read_stdout_line() {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (stdout_.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_.get(), POLLIN, 0};
      if (::poll(&p, 1, 100) == 1 && !read_into(out_, stdout_)) break;
    }
    std::size_t nl = stdout_.find('\n');
    std::string line = stdout_.substr(0, nl);
    stdout_.erase(0, nl == std::string::npos ? nl : nl + 1);
    return line;
  }
  void signal(int sig) const { ::kill(pid_, sig); }
  [[nodiscard]] const std::string& err() const { return stderr_; }
  [[nodiscard]] const std::string& out() const { return stdout_; }

 private:
  static bool read_into(const UniqueFd& fd, std::string& into) {
    char buf[4096];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n <= 0) return false;
    into.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  void drain(std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    bool out_open = true, err_open = true;
    while ((out_open || err_open) && std::chrono::steady_clock::now() < deadline) {
      pollfd p[2] = {{out_open ? out_.get() : -1, POLLIN, 0}, {err_open ? err_.get() : -1, POLLIN, 0}};
      if (::poll(p, 2, 100) <= 0) continue;
      if (p[0].revents != 0 && !read_into(out_, stdout_)) out_open = false;
      if (p[1].revents != 0 && !read_into(err_, stderr_)) err_open = false;
    }
  }
  pid_t pid_ = -1;
  bool reaped_ = false;
  UniqueFd out_, err_;
  std::string stdout_, stderr_;
};

class StaticServerProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kBinary.empty()) GTEST_SKIP() << "nethttp-static is not built (NETHTTP_BUILD_EXAMPLES=OFF)";
  }
  static std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }
};

TEST_F(StaticServerProcess, UnknownFlag) {
  Child c({"--no-such-flag"});
  EXPECT_NE(c.wait_exit(), 0);
  EXPECT_EQ(lines(c.err()), 1u) << c.err();
  EXPECT_NE(c.err().find("--no-such-flag"), std::string::npos);
}

TEST_F(StaticServerProcess, FlagWithoutValueAndBadThreads) {
  Child missing({"--root"});
  EXPECT_NE(missing.wait_exit(), 0);
  EXPECT_EQ(lines(missing.err()), 1u) << missing.err();
  EXPECT_NE(missing.err().find("--root needs a value"), std::string::npos);
  Child threads({"--threads", "many"});
  EXPECT_NE(threads.wait_exit(), 0);
  EXPECT_EQ(lines(threads.err()), 1u) << threads.err();
  EXPECT_NE(threads.err().find("--threads"), std::string::npos);
}

TEST_F(StaticServerProcess, MissingRoot) {
  Child c({"--root", "/nonexistent/nethttp-site", "--listen", "127.0.0.1:0"});
  EXPECT_NE(c.wait_exit(), 0);
  EXPECT_EQ(lines(c.err()), 1u) << c.err();
  EXPECT_NE(c.err().find("/nonexistent/nethttp-site"), std::string::npos);
  EXPECT_NE(c.err().find("No such file or directory"), std::string::npos);
}

TEST_F(StaticServerProcess, RootThatIsAFile) {
  Child c({"--root", kBinary, "--listen", "127.0.0.1:0"});
  EXPECT_NE(c.wait_exit(), 0);
  EXPECT_EQ(lines(c.err()), 1u) << c.err();
  EXPECT_NE(c.err().find("Not a directory"), std::string::npos);
}

TEST_F(StaticServerProcess, BusyPort) {
  // Hold a port without SO_REUSEPORT, so the server's bind must fail.
  UniqueFd holder(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(holder.get(), 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(holder.get(), reinterpret_cast<sockaddr*>(&a), &len);
  std::string listen = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  Child c({"--listen", listen, "--access-log", "off"});
  EXPECT_NE(c.wait_exit(), 0);
  EXPECT_EQ(lines(c.err()), 1u) << c.err();
  EXPECT_NE(c.err().find("cannot listen on " + listen), std::string::npos) << c.err();
  EXPECT_NE(c.err().find("in use"), std::string::npos) << c.err();
}

TEST_F(StaticServerProcess, HelpExitsZero) {
  Child c({"--help"});
  EXPECT_EQ(c.wait_exit(), 0);
  EXPECT_TRUE(c.err().empty());
  EXPECT_NE(c.out().find("--root DIR"), std::string::npos);
  EXPECT_NE(c.out().find("--access-log"), std::string::npos);
}

TEST_F(StaticServerProcess, ServesAndShutsDownOnSigterm) {
  std::string tmpl = (fs::temp_directory_path() / "nethttp-ssp-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  fs::path root = tmpl;
  std::ofstream(root / "index.html") << "<p>hi</p>";
  fs::create_directories(root / "sub");
  std::ofstream(root / "sub" / "a.txt") << "A";
  fs::path log = root.parent_path() / (root.filename().string() + ".log");

  {
    Child c({"--root", root.string(), "--listen", "127.0.0.1:0", "--threads", "2", "--access-log", log.string(),
             "--metrics", "--list-dirs", "--cache-control", "max-age=5"});
    std::string line = c.read_stdout_line();
    std::size_t colon = line.rfind(':');
    ASSERT_NE(colon, std::string::npos) << line;
    EXPECT_NE(line.find("http://127.0.0.1:"), std::string::npos) << line;
    auto port = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));

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
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::remove(log, ec);
}

}  // namespace
}  // namespace nethttp
