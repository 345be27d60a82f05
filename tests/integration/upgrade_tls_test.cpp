// Upgrades over TLS with a real client (Python's ssl module) against certificates made in
// the test by the openssl tool: the upgraded stream stays inside the connection's TLS
// session, gets the bytes sent in the same record as the request, echoes megabytes with
// backpressure, and ends with close_notify; CONNECT tunnels the same way; hijack refuses.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>

#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "nethttp/tls.hpp"
#include "nethttp/upgrade.hpp"
#include "support/child_process.hpp"
#include "support/process_memory.hpp"
#include "support/tls_certs.hpp"

namespace nethttp {
namespace {

// kEchoBytes is what each client streams through the echo: 8 MiB, 2 MiB under sanitizers.
constexpr std::size_t kEchoBytes = test::kSanitized ? 2 * 1024 * 1024 : 8 * 1024 * 1024;

// upgrade_client.py MODE PORT CA TOTAL: sends the upgrade (or CONNECT) request and 18 more
// bytes in one write (one TLS record), prints the status line and those bytes echoed, then
// streams TOTAL random bytes through the echo (sending first, reading only when the send
// would block, so the server's output backs up), then QUIT, and reports how it ended.
constexpr const char* kClientPy = R"PY(
import os, select, socket, ssl, sys, time
mode, port, ca, total = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
c = ssl.create_default_context(cafile=ca)
s = c.wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=10), server_hostname='a.test')
if mode == 'upgrade':
    head = b'GET /echo HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: echo/1\r\n\r\n'
elif mode == 'connect':
    head = b'CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n'
else:
    head = b'GET /hijack HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: echo/1\r\n\r\n'
s.sendall(head + b'hello, same record')
buf = b''
while b'\r\n\r\n' not in buf:
    d = s.recv(65536)
    if not d: raise SystemExit('EOF in head')
    buf += d
end = buf.index(b'\r\n\r\n')
print('STATUS', buf[:end].split(b'\r\n')[0].decode())
if mode == 'hijack': raise SystemExit(0)
rest = buf[end + 4:]
while len(rest) < 18:
    d = s.recv(65536)
    if not d: break
    rest += d
print('EARLY', rest.decode())
data = os.urandom(total)
s.setblocking(False)
sent, got, deadline = 0, bytearray(), time.time() + 30
while len(got) < total and time.time() < deadline:
    progressed = False
    if sent < total:
        try:
            sent += s.send(data[sent:sent + 65536])
            progressed = True
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
            pass
    if not progressed:
        try:
            while True:
                d = s.recv(1 << 20)
                if not d: raise SystemExit('EOF in echo')
                got += d
                progressed = True
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
    if not progressed:
        select.select([s], [s] if sent < total else [], [], 0.5)
print('ECHO', len(got), bytes(got) == data)
s.setblocking(True)
s.sendall(b'QUIT')
try:
    d = s.recv(65536)
    print('CLOSE', 'close_notify' if d == b'' else 'data')
except ssl.SSLEOFError:
    print('CLOSE', 'no close_notify')
)PY";

// start_echo echoes what arrives, pausing input while congested (counted in pauses), and
// closes on "QUIT".
void start_echo(UpgradedStream* s, std::atomic<int>* pauses) {
  s->on_data([s, pauses](std::string_view bytes) {
    if (bytes == "QUIT") {
      s->close();
      return;
    }
    s->write(bytes);
    if (s->congested()) {
      pauses->fetch_add(1);
      s->on_data(nullptr);
      s->on_writable([s, pauses] { start_echo(s, pauses); });
    }
  });
}

class UpgradeTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!tls_available()) return;
    ca_ = std::make_unique<test::TestCa>();
    std::ofstream(ca_->dir() / "upgrade_client.py") << kClientPy;
  }
  static void TearDownTestSuite() { ca_.reset(); }
  void SetUp() override {
    if (!tls_available()) GTEST_SKIP() << "this build has no TLS (NETHTTP_TLS off)";
    python_ = test::find_program("python3");
    if (python_.empty()) GTEST_SKIP() << "python3 not found";
  }

  static ServerConfig tls_config() {
    ServerConfig cfg = testing::test_config();
    cfg.listen_tls = {"127.0.0.1:0"};
    cfg.tls.certificates = {{ca_->a.cert.string(), ca_->a.key.string(), ""}};
    cfg.output_high_water = 64 * 1024;  // backpressure well within the echo
    cfg.serve_connect = true;
    return cfg;
  }

  Handler handler() {
    return [this](ResponseWriter& w, Request& r) {
      auto take = [this](std::shared_ptr<UpgradedStream> s) {
        start_echo(s.get(), &pauses_);
        s->on_close([this, s]() mutable {
          closes_.fetch_add(1);
          s.reset();
        });
      };
      if (r.path() == "/hijack") {
        hijack_refused_ = !hijack(w, r, "echo/1", [](HijackedConnection) {});
        if (hijack_refused_) w.write_header(426);
        return;
      }
      if (accept_connect(w, r, take) || accept_upgrade(w, r, "echo/1", take)) return;
      w.write_header(426);
    };
  }

  test::ProgramResult client(std::string_view mode, std::uint16_t port) {
    return test::run_program(python_, {(ca_->dir() / "upgrade_client.py").string(), std::string(mode),
                                       std::to_string(port), ca_->ca().string(), std::to_string(kEchoBytes)});
  }

  static std::unique_ptr<test::TestCa> ca_;
  std::string python_;
  std::atomic<int> pauses_{0};
  std::atomic<int> closes_{0};
  std::atomic<bool> hijack_refused_{false};
};

std::unique_ptr<test::TestCa> UpgradeTls::ca_;

TEST_F(UpgradeTls, EchoInsideTheSessionWithBackpressureAndCloseNotify) {
  testing::TestServer ts(handler(), tls_config());
  const test::ProgramResult res = client("upgrade", ts.server().tls_port());
  ASSERT_EQ(res.status, 0) << res.out << res.err;
  EXPECT_EQ(test::output_field(res.out, "STATUS"), "HTTP/1.1 101 Switching Protocols") << res.out;
  EXPECT_EQ(test::output_field(res.out, "EARLY"), "hello, same record") << res.out;
  EXPECT_EQ(test::output_field(res.out, "ECHO"), std::to_string(kEchoBytes) + " True") << res.out;
  EXPECT_EQ(test::output_field(res.out, "CLOSE"), "close_notify") << res.out;
  EXPECT_GT(pauses_.load(), 0) << "the echo never met backpressure";
  EXPECT_EQ(closes_.load(), 1);
  EXPECT_EQ(ts.server().stats().total().connections_open, 0u);
}

TEST_F(UpgradeTls, ConnectTunnelInsideTheSession) {
  testing::TestServer ts(handler(), tls_config());
  const test::ProgramResult res = client("connect", ts.server().tls_port());
  ASSERT_EQ(res.status, 0) << res.out << res.err;
  EXPECT_EQ(test::output_field(res.out, "STATUS"), "HTTP/1.1 200 Connection established") << res.out;
  EXPECT_EQ(test::output_field(res.out, "EARLY"), "hello, same record") << res.out;
  EXPECT_EQ(test::output_field(res.out, "ECHO"), std::to_string(kEchoBytes) + " True") << res.out;
  EXPECT_EQ(test::output_field(res.out, "CLOSE"), "close_notify") << res.out;
}

TEST_F(UpgradeTls, HijackIsRefused) {
  testing::TestServer ts(handler(), tls_config());
  const test::ProgramResult res = client("hijack", ts.server().tls_port());
  ASSERT_EQ(res.status, 0) << res.out << res.err;
  EXPECT_EQ(test::output_field(res.out, "STATUS"), "HTTP/1.1 426 Upgrade Required") << res.out;
  EXPECT_TRUE(hijack_refused_.load());
}

}  // namespace
}  // namespace nethttp
