// Listening: a port held by another server is "address in use" (SO_REUSEPORT or not),
// several addresses at once, Unix domain sockets (stale files, mode, removal on close), and
// sockets handed in already listening (Server::listen_on, LISTEN_FDS).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "nethttp/deploy.hpp"
#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/loopback_listener.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

using test::RawClient;

Handler hello() {
  return [](ResponseWriter& w, Request& r) { w.write("hello " + std::string(r.path())); };
}

// Serving runs a Server on a thread for the scope of a test.
struct Serving {
  explicit Serving(Server& s) : server(s), thread([&s] { s.serve(); }) {}
  ~Serving() {
    server.close();
    thread.join();
  }
  Server& server;
  std::thread thread;
};

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.data(), path.size());
  return sun;
}

// get_over_unix sends GET target over the Unix socket at path and returns the whole answer.
std::string get_over_unix(const std::string& path, const std::string& target) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un sun = unix_address(path);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) return "connect failed";
  timeval tv{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (::write(fd.get(), req.data(), req.size()) != static_cast<ssize_t>(req.size())) return "write failed";
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

// tcp_listener makes a listening socket on 127.0.0.1 (port 0) the way another program would.
UniqueFd tcp_listener(std::uint16_t& port, bool listening = true) {
  UniqueFd fd = test::loopback_listener(port, listening);
  EXPECT_TRUE(fd) << "bind or listen on 127.0.0.1:0 failed";
  return fd;
}

ServerConfig config_on(std::string listen, unsigned threads = 2) {
  ServerConfig c = testing::test_config();
  c.listen = std::move(listen);
  c.threads = threads;
  return c;
}

TEST(Listen, SecondServerOnTheSamePortIsAddressInUse) {
  Server first(config_on("127.0.0.1:0"), hello());
  ASSERT_FALSE(first.listen());
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());
  // Both use SO_REUSEPORT for their own loops; the second must still be refused.
  Server second(config_on(taken), hello());
  EXPECT_EQ(second.listen(), std::errc::address_in_use);
  ServerConfig single = config_on(taken);
  single.reuse_port = false;
  Server third(single, hello());
  EXPECT_EQ(third.listen(), std::errc::address_in_use);
  // The first one is unaffected and serves from both loops' sockets.
  Serving s(first);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(test::get(first.port(), "/a").body, "hello /a");
  }
}

TEST(Listen, PortHeldByAnotherProgramIsAddressInUse) {
  std::uint16_t port = 0;
  UniqueFd other = tcp_listener(port);  // no SO_REUSEPORT, like most servers
  Server server(config_on("127.0.0.1:" + std::to_string(port)), hello());
  EXPECT_EQ(server.listen(), std::errc::address_in_use);
}

TEST(Listen, PortFreedByAClosedServerIsReusable) {
  std::string spec;
  {
    Server first(config_on("127.0.0.1:0"), hello());
    ASSERT_FALSE(first.listen());
    spec = "127.0.0.1:" + std::to_string(first.port());
    Serving s(first);
    EXPECT_EQ(test::get(first.port(), "/").status, 200);  // leaves a TIME_WAIT behind
  }
  Server again(config_on(spec), hello());
  EXPECT_FALSE(again.listen());
}

TEST(Listen, UnixSocketServesAndIsRemovedOnClose) {
  test::TempDir dir("listen");
  const std::string path = (dir.path() / "app.sock").string();
  ServerConfig c = config_on("unix:" + path);
  c.unix_socket_mode = 0660;
  {
    Server server(c, hello());
    ASSERT_FALSE(server.listen());
    struct stat st {};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0660u);
    Serving s(server);
    for (int i = 0; i < 4; ++i) {
      std::string res = get_over_unix(path, "/u");
      EXPECT_TRUE(res.starts_with("HTTP/1.1 200")) << res;
      EXPECT_TRUE(res.ends_with("hello /u")) << res;
    }
    // A second server on the same live socket is refused, and leaves the file alone.
    Server second(config_on("unix:" + path), hello());
    EXPECT_EQ(second.listen(), std::errc::address_in_use);
    EXPECT_TRUE(get_over_unix(path, "/still").ends_with("hello /still"));
  }
  EXPECT_FALSE(std::filesystem::exists(path)) << "the socket file is removed on close";
}

TEST(Listen, StaleUnixSocketFileIsReplaced) {
  test::TempDir dir("listen");
  const std::string path = (dir.path() / "stale.sock").string();
  {
    // A server that died without removing its socket file.
    UniqueFd dead(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un sun = unix_address(path);
    ASSERT_EQ(::bind(dead.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0);
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  Server server(config_on("unix:" + path), hello());
  ASSERT_FALSE(server.listen());
  Serving s(server);
  EXPECT_TRUE(get_over_unix(path, "/x").ends_with("hello /x"));
}

TEST(Listen, FileInTheWayOfAUnixSocketIsNeverRemoved) {
  test::TempDir dir("listen");
  const std::string path = (dir.path() / "data.txt").string();
  std::ofstream(path) << "precious";
  Server server(config_on("unix:" + path), hello());
  EXPECT_EQ(server.listen(), std::errc::address_in_use);
  std::ifstream in(path);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST(Listen, SeveralAddressesAtOnce) {
  test::TempDir dir("listen");
  const std::string path = (dir.path() / "both.sock").string();
  std::uint16_t extra_port = 0;
  UniqueFd extra = tcp_listener(extra_port);
  ServerConfig c = config_on("127.0.0.1:0", 3);
  c.listen_also = {"unix:" + path};
  Server server(c, hello());
  ASSERT_FALSE(server.listen_on(std::move(extra)));
  ASSERT_FALSE(server.listen());
  ASSERT_NE(server.port(), 0);
  Serving s(server);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(test::get(server.port(), "/tcp").body, "hello /tcp");
    EXPECT_EQ(test::get(extra_port, "/fd").body, "hello /fd");
    EXPECT_TRUE(get_over_unix(path, "/unix").ends_with("hello /unix"));
  }
}

TEST(Listen, OnlyAnAdoptedDescriptor) {
  std::uint16_t port = 0;
  UniqueFd fd = tcp_listener(port);
  Server server(config_on(""), hello());
  ASSERT_FALSE(server.listen_on(std::move(fd)));
  ASSERT_FALSE(server.listen());
  EXPECT_EQ(server.port(), port);
  Serving s(server);
  EXPECT_EQ(test::get(port, "/adopted").body, "hello /adopted");
}

TEST(Listen, BadDescriptorsAreRefused) {
  Server server(config_on(""), hello());
  std::uint16_t port = 0;
  EXPECT_EQ(server.listen_on(tcp_listener(port, false)), std::errc::invalid_argument) << "bound, not listening";
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ::close(p[1]);
  EXPECT_EQ(server.listen_on(UniqueFd(p[0])), std::errc::not_a_socket);
  EXPECT_EQ(server.listen(), std::errc::destination_address_required) << "nothing to listen on";
}

TEST(Listen, EnvironmentWithoutListenFdsIsNothing) {
  ::unsetenv("LISTEN_FDS");
  InheritedListeners got;
  std::string problem;
  EXPECT_FALSE(listeners_from_environment(got, problem));
  EXPECT_TRUE(got.fds.empty());
}

TEST(Listen, ListenFdsForAnotherProcessAreNotTaken) {
  ::setenv("LISTEN_FDS", "1", 1);
  ::setenv("LISTEN_PID", std::to_string(::getpid() + 1).c_str(), 1);
  InheritedListeners got;
  std::string problem;
  EXPECT_FALSE(listeners_from_environment(got, problem));
  EXPECT_TRUE(got.fds.empty());
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_PID");
}

TEST(Listen, MalformedListenFdsIsAClearError) {
  for (const char* bad : {"abc", "-1", "", "99999"}) {
    ::setenv("LISTEN_FDS", bad, 1);
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    InheritedListeners got;
    std::string problem;
    EXPECT_EQ(listeners_from_environment(got, problem), std::errc::invalid_argument) << bad;
    EXPECT_EQ(problem.rfind(std::string("LISTEN_FDS=") + bad + ": not a number", 0), 0u) << problem;
    EXPECT_EQ(std::getenv("LISTEN_FDS"), nullptr) << "consumed";
  }
  ::setenv("LISTEN_FDS", "1", 1);
  ::setenv("LISTEN_PID", "x", 1);
  InheritedListeners got;
  std::string problem;
  EXPECT_EQ(listeners_from_environment(got, problem), std::errc::invalid_argument);
  EXPECT_EQ(problem, "LISTEN_PID=x: not a process id");
}

}  // namespace
}  // namespace nethttp
