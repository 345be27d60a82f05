// CONNECT over real sockets: answered 400 unless ServerConfig::serve_connect; with it, a
// handler opens a tunnel (accept_connect on the loop, hijack_connect as a descriptor) that
// carries the bytes the client sent past the CONNECT head, relayed to a second loopback
// server; malformed CONNECT targets and refusals.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "nethttp/upgrade.hpp"
#include "support/loopback_listener.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using test::RawClient;
using test::read_exactly;
using test::read_head;

// EchoServer is the tunnels' far end: a loopback listener whose one connection gets back
// what it sends, with "echo:" in front of the first bytes so a test sees they crossed it.
class EchoServer {
 public:
  EchoServer() {
    listener_ = test::loopback_listener(port_);
    if (!listener_) throw std::runtime_error("EchoServer: listen");
    thread_ = std::thread([this] {
      UniqueFd c(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!c) return;
      bool first = true;
      char buf[16384];
      for (;;) {
        const ssize_t n = ::recv(c.get(), buf, sizeof buf, 0);
        if (n <= 0) break;
        std::string reply = first ? "echo:" : "";
        first = false;
        reply.append(buf, static_cast<std::size_t>(n));
        if (::send(c.get(), reply.data(), reply.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(reply.size())) break;
      }
    });
  }
  ~EchoServer() {
    ::shutdown(listener_.get(), SHUT_RDWR);  // wakes accept() if no tunnel came
    thread_.join();
  }
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  UniqueFd listener_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// dial connects to 127.0.0.1:port (blocking); an empty UniqueFd on failure.
UniqueFd dial(std::uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fd.reset();
  return fd;
}

// port_of returns the port of a "host:port" authority (0 when none).
std::uint16_t port_of(std::string_view authority) {
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return 0;
  return static_cast<std::uint16_t>(std::stoi(std::string(authority.substr(colon + 1))));
}

ServerConfig connect_config() {
  ServerConfig cfg = testing::test_config();
  cfg.serve_connect = true;
  return cfg;
}

std::string connect_request(std::uint16_t port) {
  const std::string authority = "127.0.0.1:" + std::to_string(port);
  return "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n";
}

// hijack_relay_handler takes the tunnel as a descriptor and relays it to the target in a
// thread of its own, the way code with its own I/O would.
Handler hijack_relay_handler(std::atomic<int>& served, std::thread& relay) {
  return [&served, &relay](ResponseWriter& w, Request& r) {
    ++served;
    EXPECT_EQ(r.target(), r.host());
    EXPECT_TRUE(r.path().empty());
    const std::uint16_t port = port_of(r.host());
    const bool ok = hijack_connect(w, r, [port, &relay](HijackedConnection h) {
      relay = std::thread([port, h = std::move(h)]() mutable {
        UniqueFd up = dial(port);
        if (!up) return;
        const int flags = ::fcntl(h.fd.get(), F_GETFL);
        ::fcntl(h.fd.get(), F_SETFL, flags & ~O_NONBLOCK);
        if (!h.buffered.empty()) ::send(up.get(), h.buffered.data(), h.buffered.size(), MSG_NOSIGNAL);
        char buf[16384];
        for (;;) {
          pollfd p[2] = {{h.fd.get(), POLLIN, 0}, {up.get(), POLLIN, 0}};
          if (::poll(p, 2, 5000) <= 0) return;
          for (int i = 0; i < 2; ++i) {
            if (p[i].revents == 0) continue;
            const int from = i == 0 ? h.fd.get() : up.get();
            const int to = i == 0 ? up.get() : h.fd.get();
            const ssize_t n = ::recv(from, buf, sizeof buf, 0);
            if (n <= 0) return;
            if (::send(to, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) return;
          }
        }
      });
    });
    if (!ok) w.write_header(400);
  };
}

// loop_echo_handler opens the tunnel on the loop (accept_connect) and carries it to the
// target: what the client sends goes upstream from on_data, and since the far end answers
// every send at once, on_data waits for the answer and writes it back (a test only: a real
// proxy would have the loop watch the upstream socket too).
Handler loop_echo_handler(std::atomic<int>& served) {
  return [&served](ResponseWriter& w, Request& r) {
    ++served;
    const std::uint16_t port = port_of(r.host());
    const bool ok = accept_connect(w, r, [port](std::shared_ptr<UpgradedStream> s) {
      auto up = std::make_shared<UniqueFd>(dial(port));
      UpgradedStream* raw = s.get();
      // The far end answers each send with as many bytes plus a one-time prefix: on the
      // loop thread, wait for them (a test only; a real proxy would poll the upstream).
      s->on_data([raw, up, first = true](std::string_view bytes) mutable {
        if (::send(up->get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) {
          raw->close();
          return;
        }
        const std::size_t want = bytes.size() + (first ? 5 : 0);
        first = false;
        raw->write(read_exactly(up->get(), want));
      });
      s->on_close([s]() mutable { s.reset(); });
    });
    if (!ok) w.write_header(400);
  };
}

TEST(Connect, WithoutOptInIsABadRequestAndNoHandlerRuns) {
  std::atomic<int> served{0};
  testing::TestServer ts([&](ResponseWriter& w, Request& r) {
    ++served;
    if (!accept_connect(w, r, [](std::shared_ptr<UpgradedStream>) {})) w.write_header(418);
  });
  RawClient c(ts.port());
  c.send(connect_request(1) + "tunnel bytes");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(served.load(), 0);
  // Whatever the target or framing; and what follows is never read as a request.
  for (std::string_view head :
       {"CONNECT /a HTTP/1.1\r\nHost: t\r\n\r\n", "CONNECT /a HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc",
        "CONNECT /a HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n"}) {
    RawClient o(ts.port());
    o.send(std::string(head) + "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    auto refused = o.read_response();
    ASSERT_TRUE(refused) << head;
    EXPECT_EQ(refused->status, 400) << head;
    EXPECT_TRUE(o.wait_closed()) << head;
  }
  EXPECT_EQ(served.load(), 0);
}

TEST(Connect, OptInTunnelOnTheLoopCarriesTheBytesReadWithTheRequest) {
  EchoServer far;
  std::atomic<int> served{0};
  testing::TestServer ts(loop_echo_handler(served), connect_config());
  RawClient c(ts.port());
  c.send(connect_request(far.port()) + "hello");  // one write: CONNECT and tunnel bytes
  const std::string head = read_head(c.fd());
  EXPECT_EQ(head.rfind("HTTP/1.1 200 Connection established\r\n", 0), 0u) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_EQ(head.find("Connection:"), std::string::npos) << head;
  EXPECT_EQ(read_exactly(c.fd(), 10), "echo:hello");
  c.send("GET / HTTP/1.1\r\n\r\n");  // not HTTP to the server any more: tunnel data
  EXPECT_EQ(read_exactly(c.fd(), 18), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(served.load(), 1);
  EXPECT_EQ(ts.server().stats().total().connections_open, 0u) << "the server forgot the connection";
}

TEST(Connect, OptInTunnelThroughAServeMuxRoute) {
  EchoServer far;
  std::atomic<int> served{0};
  ServeMux mux;
  mux.handle("CONNECT /", loop_echo_handler(served));
  mux.handle("GET /", [](ResponseWriter& w, Request&) { w.write("plain\n"); });
  testing::TestServer ts(mux, connect_config());
  EXPECT_EQ(test::get(ts.port(), "/").status, 200);
  RawClient c(ts.port());
  c.send(connect_request(far.port()));
  EXPECT_EQ(read_head(c.fd()).rfind("HTTP/1.1 200 ", 0), 0u);
  c.send("ping");
  EXPECT_EQ(read_exactly(c.fd(), 9), "echo:ping");
  EXPECT_EQ(served.load(), 1);
}

TEST(Connect, HijackedTunnelRelaysToTheTarget) {
  EchoServer far;
  std::atomic<int> served{0};
  std::thread relay;
  {
    testing::TestServer ts(hijack_relay_handler(served, relay), connect_config());
    RawClient c(ts.port());
    c.send(connect_request(far.port()) + "early bytes");
    EXPECT_EQ(read_head(c.fd()).rfind("HTTP/1.1 200 Connection established\r\n", 0), 0u);
    EXPECT_EQ(read_exactly(c.fd(), 16), "echo:early bytes");
    c.send("more");
    EXPECT_EQ(read_exactly(c.fd(), 4), "more");
    EXPECT_EQ(ts.server().stats().total().connections_open, 0u);
    c.close();  // the relay sees EOF and ends
  }
  if (relay.joinable()) relay.join();
  EXPECT_EQ(served.load(), 1);
}

TEST(Connect, RefusedConnectEndsTheConnection) {
  std::atomic<int> served{0};
  testing::TestServer ts(
      [&](ResponseWriter& w, Request&) {
        ++served;
        w.write_header(403);
      },
      connect_config());
  RawClient c(ts.port());
  // What follows a refused CONNECT is the client's tunnel data, never a request.
  c.send(connect_request(1) + "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(served.load(), 1);
}

TEST(Connect, MalformedTargetsAreBadRequests) {
  std::atomic<int> served{0};
  testing::TestServer ts(
      [&](ResponseWriter& w, Request& r) {
        ++served;
        if (!accept_connect(w, r, [](std::shared_ptr<UpgradedStream>) {})) w.write_header(418);
      },
      connect_config());
  for (std::string_view target :
       {"/a/b", "example.com", "example.com:", ":443", "example.com:99999", "example.com:443x", "user@example.com:443",
        "http://example.com:443/", "example.com:443/x", "[::1:443", "a:b:443", "*"}) {
    RawClient c(ts.port());
    c.send("CONNECT " + std::string(target) + " HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    auto res = c.read_response();
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->status, 400) << target;
  }
  // A CONNECT has no content (RFC 9110 9.3.6).
  for (std::string_view framing : {"Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n"}) {
    RawClient c(ts.port());
    c.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n" + std::string(framing) + "\r\nhello");
    auto res = c.read_response();
    ASSERT_TRUE(res) << framing;
    EXPECT_EQ(res->status, 400) << framing;
  }
  EXPECT_EQ(served.load(), 0);
  // The valid forms reach the handler, which opens a tunnel (to nowhere: the server closes
  // it at shutdown).
  for (std::string_view target : {"example.com:443", "[::1]:8443", "127.0.0.1:1"}) {
    RawClient c(ts.port());
    c.send("CONNECT " + std::string(target) + " HTTP/1.1\r\nHost: " + std::string(target) + "\r\n\r\n");
    const std::string head = read_head(c.fd());
    EXPECT_EQ(head.rfind("HTTP/1.1 200 Connection established\r\n", 0), 0u) << target << ": " << head;
  }
  EXPECT_EQ(served.load(), 3);
}

TEST(Connect, UpgradeFunctionsRefuseConnectAndConnectFunctionsRefuseOthers) {
  testing::TestServer ts(
      [](ResponseWriter& w, Request& r) {
        const bool upgrade = accept_upgrade(w, r, "x", [](std::shared_ptr<UpgradedStream>) {});
        const bool tunnel = !upgrade && accept_connect(w, r, [](std::shared_ptr<UpgradedStream>) {});
        if (!upgrade && !tunnel) w.write_header(418);
      },
      connect_config());
  RawClient u(ts.port());
  u.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n");
  EXPECT_EQ(read_head(u.fd()).rfind("HTTP/1.1 101 ", 0), 0u);
  RawClient c(ts.port());
  c.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n");
  EXPECT_EQ(read_head(c.fd()).rfind("HTTP/1.1 200 Connection established", 0), 0u);
  EXPECT_EQ(test::get(ts.port(), "/").status, 418);
}

}  // namespace
}  // namespace nethttp
