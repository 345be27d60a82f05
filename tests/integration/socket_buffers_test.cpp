// ServerConfig::send_buffer_bytes and receive_buffer_bytes over real sockets: an accepted
// connection (seen through hijack()) has the sizes set on its listener, over IPv4 and IPv6,
// with and without SO_REUSEPORT, and on a socket handed in with listen_on(); 0 leaves the
// kernel's autotuned sizes; a Unix listener is left alone; out-of-range sizes fail listen();
// and a client that stops reading a large response gets at most about the send buffer
// queued in the kernel, where the default lets it grow to megabytes.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/sockios.h>
#endif

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "nethttp/upgrade.hpp"
#include "support/capturing_logger.hpp"
#include "support/loopback_listener.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using test::RawClient;
using Clock = std::chrono::steady_clock;

constexpr int kSend = 64 * 1024;
constexpr int kReceive = 32 * 1024;
constexpr std::string_view kUpgrade = "GET / HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n";

struct Sizes {
  int send = 0;
  int receive = 0;
};

Sizes sizes_of(int fd) {
  Sizes s;
  socklen_t len = sizeof s.send;
  ::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &s.send, &len);
  len = sizeof s.receive;
  ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &s.receive, &len);
  return s;
}

// kernel_sizes is what getsockopt reports for a fresh socket of family given these sizes
// (the kernel doubles them, and caps them at net.core.wmem_max / rmem_max): what an
// accepted connection must report when its listener was set the same way.
Sizes kernel_sizes(int family, int send, int receive) {
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &send, sizeof send);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive, sizeof receive);
  return sizes_of(fd.get());
}

bool ipv6_loopback() {
  UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  return fd && ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

// AcceptedSizes serves a handler that hijacks the connection and reports its socket's sizes.
struct AcceptedSizes {
  std::promise<Sizes> got;
  Handler handler() {
    return [this](ResponseWriter& w, Request& r) {
      ASSERT_TRUE(hijack(w, r, "raw", [this](HijackedConnection h) { got.set_value(sizes_of(h.fd.get())); }));
    };
  }
  // over connects to port, asks for the upgrade and waits for the handler's report.
  Sizes over(std::uint16_t port, bool ipv6 = false) {
    RawClient c(port, {.ipv6 = ipv6});
    c.send(kUpgrade);
    auto fut = got.get_future();
    EXPECT_EQ(fut.wait_for(5s), std::future_status::ready);
    return fut.wait_for(0s) == std::future_status::ready ? fut.get() : Sizes{};
  }
};

ServerConfig buffered_config(int send = kSend, int receive = kReceive) {
  ServerConfig config = testing::test_config();
  config.send_buffer_bytes = send;
  config.receive_buffer_bytes = receive;
  return config;
}

TEST(SocketBuffers, AcceptedConnectionHasTheListenersSizes) {
  const Sizes want = kernel_sizes(AF_INET, kSend, kReceive);
  for (bool reuse_port : {true, false}) {
    SCOPED_TRACE(reuse_port ? "SO_REUSEPORT group" : "one listener");
    AcceptedSizes accepted;
    ServerConfig config = buffered_config();
    config.threads = 2;
    config.reuse_port = reuse_port;
    testing::TestServer ts(accepted.handler(), config);
    const Sizes got = accepted.over(ts.port());
    EXPECT_EQ(got.send, want.send);
    EXPECT_EQ(got.receive, want.receive);
  }
}

TEST(SocketBuffers, AcceptedConnectionHasTheListenersSizesOverIpv6) {
  if (!ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback";
  const Sizes want = kernel_sizes(AF_INET6, kSend, kReceive);
  AcceptedSizes accepted;
  ServerConfig config = buffered_config();
  config.listen = "[::1]:0";
  testing::TestServer ts(accepted.handler(), config);
  const Sizes got = accepted.over(ts.port(), true);
  EXPECT_EQ(got.send, want.send);
  EXPECT_EQ(got.receive, want.receive);
}

TEST(SocketBuffers, DefaultLeavesTheKernelsAutotunedSizes) {
  // A connection accepted by a listener nobody touched: what the kernel gives by default
  // (on Linux the send buffer is already autotuned past tcp_wmem's default by then).
  std::uint16_t port = 0;
  UniqueFd plain = test::loopback_listener(port);
  ASSERT_TRUE(plain);
  RawClient client(port);
  UniqueFd peer(::accept4(plain.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(peer);
  const Sizes kernel_default = sizes_of(peer.get());

  AcceptedSizes accepted;
  testing::TestServer ts(accepted.handler(), buffered_config(0, 0));
  const Sizes got = accepted.over(ts.port());
  EXPECT_EQ(got.send, kernel_default.send);
  EXPECT_EQ(got.receive, kernel_default.receive);
  EXPECT_NE(got.send, kernel_sizes(AF_INET, kSend, kReceive).send);
}

TEST(SocketBuffers, SocketGivenToListenOnGetsTheSizes) {
  std::uint16_t port = 0;
  UniqueFd fd = test::loopback_listener(port);
  ASSERT_TRUE(fd);
  UniqueFd ours(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));  // the same socket, to look at
  ASSERT_TRUE(ours);

  AcceptedSizes accepted;
  ServerConfig config = buffered_config();
  config.listen = "";
  Server server(config, accepted.handler());
  ASSERT_FALSE(server.listen_on(std::move(fd)));
  ASSERT_FALSE(server.listen());
  const Sizes want = kernel_sizes(AF_INET, kSend, kReceive);
  EXPECT_EQ(sizes_of(ours.get()).send, want.send);
  EXPECT_EQ(sizes_of(ours.get()).receive, want.receive);
  std::thread serving([&] { server.serve(); });
  const Sizes got = accepted.over(server.port());
  server.close();
  serving.join();
  EXPECT_EQ(got.send, want.send);
  EXPECT_EQ(got.receive, want.receive);
}

// unix_get sends a GET over the Unix socket at path and returns the whole answer.
std::string unix_get(const std::string& path) {
  UniqueFd c(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.data(), path.size());
  if (::connect(c.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) return "connect failed";
  timeval tv{5, 0};
  ::setsockopt(c.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  constexpr std::string_view kGet = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (::write(c.get(), kGet.data(), kGet.size()) != static_cast<ssize_t>(kGet.size())) return "write failed";
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(c.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

TEST(SocketBuffers, UnixListenersAreLeftAlone) {
  // Linux gives an accepted Unix connection the default sizes whatever its listener has,
  // so the server sets them on no Unix listener, neither one it binds nor one it is given;
  // both still serve.
  test::TempDir dir("nethttp-sockbuf");
  const std::string bound = (dir.path() / "bound.sock").string();
  const std::string given = (dir.path() / "given.sock").string();
  UniqueFd handed(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, given.data(), given.size());
  ASSERT_EQ(::bind(handed.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0);
  ASSERT_EQ(::listen(handed.get(), 16), 0);

  ServerConfig config = buffered_config();
  config.listen = "unix:" + bound;
  Server server(config, [](ResponseWriter& w, Request&) { w.write("over unix"); });
  ASSERT_FALSE(server.listen_on(std::move(handed)));
  ASSERT_FALSE(server.listen());
  std::vector<UniqueFd> listeners;
  ASSERT_FALSE(server.share_listeners(listeners));
  ASSERT_EQ(listeners.size(), 2u);
  UniqueFd fresh(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  for (const UniqueFd& l : listeners) {
    EXPECT_EQ(sizes_of(l.get()).send, sizes_of(fresh.get()).send);
    EXPECT_EQ(sizes_of(l.get()).receive, sizes_of(fresh.get()).receive);
  }
  std::thread serving([&] { server.serve(); });
  for (const std::string& path : {bound, given}) {
    const std::string out = unix_get(path);
    EXPECT_NE(out.find("200 OK"), std::string::npos) << path << ": " << out;
    EXPECT_NE(out.find("over unix"), std::string::npos) << path << ": " << out;
  }
  server.close();
  serving.join();
}

TEST(SocketBuffers, OutOfRangeSizesFailListen) {
  struct Case {
    int send, receive;
    const char* field;
  };
  for (Case c : {Case{-1, 0, "send_buffer_bytes"}, Case{0, -4096, "receive_buffer_bytes"},
                 Case{kMaxSocketBufferBytes + 1, 0, "send_buffer_bytes"},
                 Case{0, kMaxSocketBufferBytes + 1, "receive_buffer_bytes"}}) {
    SCOPED_TRACE(std::string(c.field) + " " + std::to_string(c.send) + "/" + std::to_string(c.receive));
    auto log = std::make_shared<test::CapturingLogger>();
    ServerConfig config = buffered_config(c.send, c.receive);
    config.logger = log;
    Server server(config, [](ResponseWriter&, Request&) {});
    EXPECT_EQ(server.listen(), std::errc::invalid_argument);
    EXPECT_EQ(server.port(), 0) << "nothing is bound";
    EXPECT_TRUE(log->saw(c.field));
  }
  // The largest size is accepted (the kernel caps it at net.core.wmem_max / rmem_max).
  Server largest(buffered_config(kMaxSocketBufferBytes, kMaxSocketBufferBytes), [](ResponseWriter&, Request&) {});
  EXPECT_FALSE(largest.listen());
}

#ifdef SIOCOUTQ
// server_side finds this process's end of the connection whose other end is client: the
// socket among our descriptors whose peer is client's own address.
int server_side(int client) {
  sockaddr_storage want{};
  socklen_t want_len = sizeof want;
  if (::getsockname(client, reinterpret_cast<sockaddr*>(&want), &want_len) != 0) return -1;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/proc/self/fd"), ::closedir);
  if (!dir) return -1;
  while (const dirent* e = ::readdir(dir.get())) {
    const int fd = std::atoi(e->d_name);
    if (fd <= 2 || fd == client) continue;
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0 && len == want_len &&
        std::memcmp(&peer, &want, len) == 0) {
      return fd;
    }
  }
  return -1;
}

int kernel_queue(int fd) {
  int queued = -1;
  return ::ioctl(fd, SIOCOUTQ, &queued) == 0 ? queued : -1;
}

constexpr std::size_t kBody = 4 * 1024 * 1024;

// non_reader asks for a kBody response and reads none of it, with a tiny receive window so
// what the server sends waits in the server's send queue.
RawClient non_reader(std::uint16_t port) {
  RawClient c(port, {.receive_buffer = 4096});
  c.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
  return c;
}

Handler big_body() {
  return [](ResponseWriter& w, Request&) { w.write(std::string(kBody, 'x')); };
}

TEST(SocketBuffers, SmallSendBufferBoundsWhatANonReaderPinsInTheKernel) {
  testing::TestServer ts(big_body(), buffered_config(kSend, 0));
  RawClient c = non_reader(ts.port());
  int fd = -1;
  for (const auto deadline = Clock::now() + 5s; fd < 0 && Clock::now() < deadline;) {
    fd = server_side(c.fd());
    if (fd < 0) std::this_thread::sleep_for(5ms);
  }
  ASSERT_GE(fd, 0) << "the server's end of the connection";
  const int sndbuf = kernel_sizes(AF_INET, kSend, 0).send;  // 128 KiB: the kernel doubles it
  EXPECT_EQ(sizes_of(fd).send, sndbuf);
  // Wait for the server's writes to stall: the queue has filled and bytes_sent stops moving.
  std::uint64_t sent = 0;
  int still = 0;
  for (const auto deadline = Clock::now() + 5s; still < 5 && Clock::now() < deadline;) {
    std::this_thread::sleep_for(20ms);
    const std::uint64_t now = ts.server().stats().total().bytes_sent;
    still = now == sent && kernel_queue(fd) >= kSend / 2 ? still + 1 : 0;
    sent = now;
  }
  ASSERT_EQ(still, 5) << "the server's writes never stalled (sent " << sent << ")";
  EXPECT_LT(sent, kBody) << "the client reads nothing: the kernel cannot have taken the whole body";
  // The kernel queue is bounded by the send buffer, give or take the one segment (64 KiB on
  // loopback) a write may add past it.
  const int queued = kernel_queue(fd);
  EXPECT_GE(queued, kSend / 2);
  EXPECT_LE(queued, sndbuf + 64 * 1024) << "SO_SNDBUF " << sndbuf;
  ts.server().close();  // rather than a 2 s drain for a client that never reads
}

TEST(SocketBuffers, DefaultSendBufferGrowsForANonReader) {
  // The same client with the kernel's autotuning: the queue grows well past the small bound.
  testing::TestServer ts(big_body(), buffered_config(0, 0));
  RawClient c = non_reader(ts.port());
  const int bound = kernel_sizes(AF_INET, kSend, 0).send + 64 * 1024;
  int fd = -1;
  int queued = 0;
  for (const auto deadline = Clock::now() + 5s; queued <= 4 * bound && Clock::now() < deadline;) {
    if (fd < 0) fd = server_side(c.fd());
    if (fd >= 0) queued = kernel_queue(fd);
    if (queued <= 4 * bound) std::this_thread::sleep_for(5ms);
  }
  ASSERT_GE(fd, 0) << "the server's end of the connection";
  EXPECT_GT(queued, 4 * bound) << "SO_SNDBUF " << sizes_of(fd).send;
  ts.server().close();
}
#endif

}  // namespace
}  // namespace nethttp
