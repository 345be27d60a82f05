// TLS with real clients (curl --cacert and Python's ssl module) against certificates made
// in the test by the openssl tool: handshake, keep-alive, pipelining, chunked bodies,
// 100-continue, file bodies and ranges (the staged-read fallback: no kernel TLS here), SNI,
// ALPN, resumption, the handshake timeout, plain HTTP on the TLS port, an abrupt close
// mid-handshake, certificate reload during a download, and Request::tls().
#include "nethttp/tls.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "nethttp/file_server.hpp"
#include "nethttp/helpers.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/child_process.hpp"
#include "support/raw_client.hpp"
#include "support/tls_certs.hpp"
#include "tls/tls_stream.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::ProgramResult;
using test::RawClient;
using test::run_program;

// client.py: a TLS client on Python's ssl module. Prints KEY value lines.
constexpr const char* kClientPy = R"PY(
import socket, ssl, sys, hashlib, os, time

def ctx(ca, alpn=None, tls12=False):
    c = ssl.create_default_context(cafile=ca)
    if alpn: c.set_alpn_protocols(alpn.split(','))
    if tls12: c.maximum_version = ssl.TLSVersion.TLSv1_2
    return c

def read_response(s, buf):
    buf = bytearray(buf)
    while b'\r\n\r\n' not in buf:
        d = s.recv(65536)
        if not d: raise SystemExit('EOF in header')
        buf += d
    end = buf.index(b'\r\n\r\n')
    head, rest = bytes(buf[:end]), buf[end + 4:]
    status = int(head.split(b' ')[1])
    length = 0
    for line in head.split(b'\r\n')[1:]:
        k, _, v = line.partition(b':')
        if k.strip().lower() == b'content-length': length = int(v)
    while len(rest) < length:
        d = s.recv(1 << 20)
        if not d: raise SystemExit('EOF in body')
        rest += d
    return status, bytes(rest[:length]), bytes(rest[length:])

def connect(port, name, c, session=None):
    raw = socket.create_connection(('127.0.0.1', int(port)), timeout=5)
    return c.wrap_socket(raw, server_hostname=name or None, session=session)

def cert_der(path):
    pem = open(path).read()
    first = pem[:pem.index('-----END CERTIFICATE-----') + 25]
    return ssl.PEM_cert_to_DER_cert(first)

mode, port, name, ca = sys.argv[1:5]
args = sys.argv[5:]
if mode == 'get':  # get PORT NAME CA PATH [alpn|-] [tls12|-] [expect-cert-file|-]
    path, alpn, tls12, expect = (args + ['-', '-', '-'])[:4]
    s = connect(port, name, ctx(ca, None if alpn == '-' else alpn, tls12 == 'tls12'))
    print('ALPN', s.selected_alpn_protocol())
    print('VERSION', s.version())
    if expect != '-': print('CERTMATCH', s.getpeercert(True) == cert_der(expect))
    s.sendall(('GET %s HTTP/1.1\r\nHost: %s\r\n\r\n' % (path, name or 'x')).encode())
    st, body, _ = read_response(s, b'')
    print('STATUS', st)
    print('BODY', body.decode())
elif mode == 'pipeline':  # two requests in one write, then a third on the same connection
    s = connect(port, name, ctx(ca))
    s.sendall(b'GET /info?1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello')
    st1, b1, rest = read_response(s, b'')
    st2, b2, rest = read_response(s, rest)
    s.sendall(b'GET /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc')
    st3, b3, rest = read_response(s, rest)
    print('STATUSES', st1, st2, st3)
    print('BODY2', b2.decode())
    print('BODY3', b3.decode())
elif mode == 'resume':  # resume [tls12|-] [RECONNECTIONS]
    c = ctx(ca, None, args and args[0] == 'tls12')
    s = connect(port, name, c)
    s.sendall(b'GET /info HTTP/1.1\r\nHost: a\r\n\r\n')
    read_response(s, b'')
    session = s.session
    s.close()
    reused = 0
    for _ in range(int(args[1]) if len(args) > 1 else 1):  # every reconnection offers the first session
        s = connect(port, name, c, session)
        s.sendall(b'GET /info HTTP/1.1\r\nHost: a\r\n\r\n')
        st, body, _ = read_response(s, b'')
        last = s.session_reused
        reused += last
        s.close()
    print('REUSED', last)
    print('REUSED_COUNT', reused)
    print('BODY', body.decode())
elif mode == 'tickets':  # TLS 1.3 tickets arrive with no request sent; then one request
    s = connect(port, name, ctx(ca))
    s.settimeout(0.05)
    deadline = time.time() + 5
    while not (s.session and s.session.has_ticket) and time.time() < deadline:
        try:
            s.recv(1)  # processes the tickets; no application data comes
        except (socket.timeout, ssl.SSLWantReadError):
            pass
    print('TICKET', bool(s.session and s.session.has_ticket))
    s.settimeout(5)
    s.sendall(b'GET /info HTTP/1.1\r\nHost: a\r\n\r\n')
    st, body, _ = read_response(s, b'')
    print('STATUS', st)
    print('BODY', body.decode())
elif mode == 'download':  # download PATH MARKER GO: read 256 KiB, mark, wait for GO, read the rest
    path, marker, go = args
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # bounded, but not so small that TCP crawls
    raw.settimeout(5)
    raw.connect(('127.0.0.1', int(port)))
    s = ctx(ca).wrap_socket(raw, server_hostname=name)
    s.sendall(('GET %s HTTP/1.1\r\nHost: a\r\n\r\n' % path).encode())
    buf = b''
    while len(buf) < (256 << 10):
        d = s.recv(65536)
        if not d: break
        buf += d
    open(marker, 'w').close()
    deadline = time.time() + 10
    while not os.path.exists(go) and time.time() < deadline: time.sleep(0.01)
    t = time.time()
    st, body, _ = read_response(s, buf)
    sys.stderr.write('rest took %.3f s\n' % (time.time() - t))
    print('STATUS', st)
    print('SHA', hashlib.sha256(body).hexdigest(), len(body))
)PY";

std::string info_text(const Request& r) {
  const TlsInfo* tls = r.tls();
  if (!tls) return "cleartext";
  return std::string(tls->version) + "|" + std::string(tls->cipher) + "|sni=" + std::string(tls->server_name) +
         "|alpn=" + std::string(tls->alpn) + "|resumed=" + (tls->resumed ? "1" : "0");
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!tls_available()) return;
    ca_ = std::make_unique<test::TestCa>();
    std::ofstream(ca_->dir() / "client.py") << kClientPy;
    // A multi-MiB file with varied bytes, for the file-body tests.
    std::string big(8 * 1024 * 1024 + 123, '\0');  // more than the socket buffers hold
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
    fs::create_directories(ca_->dir() / "www");
    std::ofstream(ca_->dir() / "www" / "big.bin", std::ios::binary) << big;
    std::ofstream(ca_->dir() / "www" / "small.txt") << std::string(1024, 's');
  }
  static void TearDownTestSuite() { ca_.reset(); }

  void SetUp() override {
    if (!tls_available()) GTEST_SKIP() << "this build has no TLS (NETHTTP_TLS off)";
    python_ = test::find_program("python3");
    curl_ = test::find_program("curl");
  }

  static ServerConfig tls_config() {
    ServerConfig cfg = testing::test_config();
    cfg.listen_tls = {"127.0.0.1:0"};
    cfg.tls.certificates = {{ca_->a.cert.string(), ca_->a.key.string(), ""},
                            {ca_->b.cert.string(), ca_->b.key.string(), ""}};
    return cfg;
  }

  static Handler handler() {
    auto mux = std::make_shared<ServeMux>();
    mux->handle("/info", [](ResponseWriter& w, Request& r) { w.write(info_text(r)); });
    mux->handle("/echo", [](ResponseWriter& w, Request& r) {
      w.write("len=" + std::to_string(r.body().size()) + ":" + std::string(r.body().substr(0, 16)));
    });
    mux->handle("/files/", strip_prefix("/files", file_server((ca_->dir() / "www").string())));
    return [mux](ResponseWriter& w, Request& r) { mux->serve(w, r); };
  }

  ProgramResult python(std::vector<std::string> args) {
    args.insert(args.begin(), (ca_->dir() / "client.py").string());
    return run_program(python_, std::move(args));
  }
  ProgramResult curl(std::uint16_t port, const std::string& name, std::vector<std::string> args) {
    std::vector<std::string> all = {
        "-sS",      "--http1.1",        "--max-time", "10",
        "--cacert", ca_->ca().string(), "--resolve",  name + ":" + std::to_string(port) + ":127.0.0.1"};
    all.insert(all.end(), args.begin(), args.end());
    return run_program(curl_, std::move(all));
  }
  static std::string url(std::uint16_t port, const std::string& name, const std::string& path) {
    return "https://" + name + ":" + std::to_string(port) + path;
  }

  static std::unique_ptr<test::TestCa> ca_;
  std::string python_, curl_;
};

std::unique_ptr<test::TestCa> TlsTest::ca_;

TEST_F(TlsTest, CurlGetsResponseAndRequestTlsInfo) {
  testing::TestServer ts(handler(), tls_config());
  const std::uint16_t port = ts.server().tls_port();
  ASSERT_NE(port, 0);
  ProgramResult r = curl(port, "a.test", {url(port, "a.test", "/info")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("TLSv1.3|TLS_")) << r.out;
  EXPECT_NE(r.out.find("|sni=a.test|alpn=http/1.1|resumed=0"), std::string::npos) << r.out;
}

TEST_F(TlsTest, CleartextAndTlsListenersOnOneServer) {
  testing::TestServer ts(handler(), tls_config());
  ASSERT_NE(ts.port(), ts.server().tls_port());
  ProgramResult plain =
      run_program(curl_, {"-sS", "--max-time", "10", "http://127.0.0.1:" + std::to_string(ts.port()) + "/info"});
  ASSERT_EQ(plain.status, 0) << plain.err;
  EXPECT_EQ(plain.out, "cleartext");
  const std::uint16_t port = ts.server().tls_port();
  ProgramResult tls = curl(port, "a.test", {url(port, "a.test", "/info")});
  ASSERT_EQ(tls.status, 0) << tls.err;
  EXPECT_TRUE(tls.out.starts_with("TLSv1.3")) << tls.out;
}

TEST_F(TlsTest, Tls12WithModernCipher) {
  testing::TestServer ts(handler(), tls_config());
  const std::uint16_t port = ts.server().tls_port();
  ProgramResult r = curl(port, "a.test", {"--tlsv1.2", "--tls-max", "1.2", url(port, "a.test", "/info")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("TLSv1.2|ECDHE-ECDSA-AES128-GCM-SHA256|")) << r.out;
  // Neither CBC nor RSA key exchange is on offer.
  ProgramResult cbc = curl(
      port, "a.test",
      {"--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-SHA256:AES128-GCM-SHA256", url(port, "a.test", "/info")});
  EXPECT_NE(cbc.status, 0) << cbc.out;
}

TEST_F(TlsTest, KeepAliveAndPipelining) {
  testing::TestServer ts(handler(), tls_config());
  ProgramResult r = python({"pipeline", std::to_string(ts.server().tls_port()), "a.test", ca_->ca().string()});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_EQ(test::output_field(r.out, "STATUSES"), "200 200 200");
  EXPECT_EQ(test::output_field(r.out, "BODY2"), "len=5:hello");
  EXPECT_EQ(test::output_field(r.out, "BODY3"), "len=3:abc");
}

TEST_F(TlsTest, ChunkedBodyAndContinue) {
  testing::TestServer ts(handler(), tls_config());
  const std::uint16_t port = ts.server().tls_port();
  const std::string body(100'000, 'c');
  const fs::path file = ca_->dir() / "upload.txt";
  std::ofstream(file) << body;
  ProgramResult chunked =
      curl(port, "a.test",
           {"-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file.string(), url(port, "a.test", "/echo")});
  ASSERT_EQ(chunked.status, 0) << chunked.err;
  EXPECT_EQ(chunked.out, "len=100000:cccccccccccccccc");
  ProgramResult cont =
      curl(port, "a.test",
           {"-v", "-H", "Expect: 100-continue", "--data-binary", "@" + file.string(), url(port, "a.test", "/echo")});
  ASSERT_EQ(cont.status, 0) << cont.err;
  EXPECT_EQ(cont.out, "len=100000:cccccccccccccccc");
  EXPECT_NE(cont.err.find("HTTP/1.1 100 Continue"), std::string::npos) << cont.err;
}

TEST_F(TlsTest, FileBodiesAndRanges) {
  testing::TestServer ts(handler(), tls_config());
  const std::uint16_t port = ts.server().tls_port();
  const fs::path out = ca_->dir() / "big.out";
  ProgramResult r = curl(port, "a.test", {"-o", out.string(), url(port, "a.test", "/files/big.bin")});
  ASSERT_EQ(r.status, 0) << r.err;
  ProgramResult cmp = run_program("/usr/bin/cmp", {out.string(), (ca_->dir() / "www" / "big.bin").string()});
  EXPECT_EQ(cmp.status, 0) << cmp.out;
  // A range in the middle, crossing record boundaries.
  ProgramResult range =
      curl(port, "a.test",
           {"-r", "100000-165536", "-o", out.string(), "-w", "%{http_code}", url(port, "a.test", "/files/big.bin")});
  ASSERT_EQ(range.status, 0) << range.err;
  EXPECT_EQ(range.out, "206");
  std::ifstream in(ca_->dir() / "www" / "big.bin", std::ios::binary);
  std::string expected(65537, '\0');
  in.seekg(100000);
  in.read(expected.data(), static_cast<std::streamsize>(expected.size()));
  std::ifstream got_in(out, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(got_in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(got == expected) << "range bytes differ (" << got.size() << " bytes)";
  // A small file: header and body leave together.
  ProgramResult small = curl(port, "a.test", {url(port, "a.test", "/files/small.txt")});
  EXPECT_EQ(small.out, std::string(1024, 's'));
}

// Where the kernel offers TLS, OpenSSL reads and writes the socket itself (kernel TLS needs
// that) instead of going through TlsStream's buffer, and the plaintext check is a peek. This
// kernel has no TLS module: the test switch runs that path here.
TEST_F(TlsTest, OpenSslOnTheSocketServesToo) {
  detail::openssl_on_socket_for_tests = true;
  struct Restore {
    ~Restore() { detail::openssl_on_socket_for_tests = false; }
  } const restore;
  testing::TestServer ts(handler(), tls_config());
  const std::uint16_t port = ts.server().tls_port();
  ProgramResult r = python({"pipeline", std::to_string(port), "a.test", ca_->ca().string()});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_EQ(test::output_field(r.out, "STATUSES"), "200 200 200");
  EXPECT_EQ(test::output_field(r.out, "BODY3"), "len=3:abc");
  const fs::path out = ca_->dir() / "big-socket.out";
  ProgramResult big = curl(port, "a.test", {"-o", out.string(), url(port, "a.test", "/files/big.bin")});
  ASSERT_EQ(big.status, 0) << big.err;
  ProgramResult cmp = run_program("/usr/bin/cmp", {out.string(), (ca_->dir() / "www" / "big.bin").string()});
  EXPECT_EQ(cmp.status, 0) << cmp.out;
  ProgramResult tickets = python({"tickets", std::to_string(port), "a.test", ca_->ca().string()});
  EXPECT_EQ(test::output_field(tickets.out, "TICKET"), "True") << tickets.out << tickets.err;
  RawClient c(port);
  c.send("GET /info HTTP/1.1\r\nHost: a\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

TEST_F(TlsTest, SniSelectsTheCertificate) {
  testing::TestServer ts(handler(), tls_config());
  const std::string port = std::to_string(ts.server().tls_port());
  const std::string ca = ca_->ca().string();
  ProgramResult b = python({"get", port, "b.test", ca, "/info", "-", "-", ca_->b.cert.string()});
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(test::output_field(b.out, "CERTMATCH"), "True");
  EXPECT_NE(test::output_field(b.out, "BODY").find("|sni=b.test|"), std::string::npos) << b.out;
  ProgramResult a = python({"get", port, "a.test", ca, "/info", "-", "-", ca_->a.cert.string()});
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(test::output_field(a.out, "CERTMATCH"), "True");
  // No name the certificates serve: the first (default) certificate. The client then
  // cannot verify the name, so connect by a.test but send another SNI through curl's
  // --connect-to instead: here, check with openssl s_client that the default is served.
  ProgramResult other =
      run_program("/bin/sh", {"-c", test::find_program("openssl") + " s_client -connect 127.0.0.1:" + port +
                                        " -servername c.test -brief -verify_return_error -CAfile " + ca +
                                        " -verify_hostname a.test < /dev/null"});
  EXPECT_NE(other.err.find("a.test"), std::string::npos) << other.err;
}

TEST_F(TlsTest, StaplesOcspResponseFromFile) {
  // An OCSP response signed by the test CA (status "unknown": the index is empty, which is
  // still a well-formed response to staple).
  ProgramResult made = run_program(
      "/bin/sh", {"-c", "cd '" + ca_->dir().string() + "' && : > index.txt && " + test::find_program("openssl") +
                            " ocsp -index index.txt -rsigner ca.pem -rkey ca.key -CA ca.pem -issuer ca.pem"
                            " -cert a.leaf -respout a.ocsp -ndays 1 2>&1"});
  ASSERT_EQ(made.status, 0) << made.out;
  ServerConfig cfg = tls_config();
  cfg.tls.certificates[0].ocsp_file = (ca_->dir() / "a.ocsp").string();
  testing::TestServer ts(handler(), cfg);
  auto status = [&](const std::string& name) {
    return run_program("/bin/sh", {"-c", test::find_program("openssl") +
                                             " s_client -connect 127.0.0.1:" + std::to_string(ts.server().tls_port()) +
                                             " -servername " + name + " -status < /dev/null 2>&1"})
        .out;
  };
  const std::string a = status("a.test");
  EXPECT_NE(a.find("OCSP Response Status: successful"), std::string::npos) << a;
  const std::string b = status("b.test");  // b has no OCSP file
  EXPECT_NE(b.find("OCSP response: no response sent"), std::string::npos) << b;
  // A file that is not an OCSP response is refused at load.
  cfg.tls.certificates[0].ocsp_file = ca_->a.cert.string();
  EXPECT_NE(check_tls_config(cfg.tls).message.find("not a DER OCSP response"), std::string::npos);
}

TEST_F(TlsTest, AlpnChoosesHttp11AndIgnoresH2Only) {
  testing::TestServer ts(handler(), tls_config());
  const std::string port = std::to_string(ts.server().tls_port());
  ProgramResult both = python({"get", port, "a.test", ca_->ca().string(), "/info", "h2,http/1.1"});
  ASSERT_EQ(both.status, 0) << both.err;
  EXPECT_EQ(test::output_field(both.out, "ALPN"), "http/1.1");
  ProgramResult h2 = python({"get", port, "a.test", ca_->ca().string(), "/info", "h2"});
  ASSERT_EQ(h2.status, 0) << h2.err;
  EXPECT_EQ(test::output_field(h2.out, "ALPN"), "None");
  EXPECT_EQ(test::output_field(h2.out, "STATUS"), "200");
  EXPECT_NE(test::output_field(h2.out, "BODY").find("|alpn=|"), std::string::npos) << h2.out;
}

TEST_F(TlsTest, SessionResumption) {
  ServerConfig cfg = tls_config();
  cfg.threads = 2;  // tickets are shared by the loops: resuming on the other loop works
  testing::TestServer ts(handler(), cfg);
  const std::string port = std::to_string(ts.server().tls_port());
  for (const char* version : {"-", "tls12"}) {
    ProgramResult r = python({"resume", port, "a.test", ca_->ca().string(), version});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(test::output_field(r.out, "REUSED"), "True") << version;
    EXPECT_NE(test::output_field(r.out, "BODY").find("|resumed=1"), std::string::npos) << r.out;
  }
}

// The handshake's last flight is held back to leave with the first response; a client that
// sends no request must get it anyway (the tickets, for TLS 1.3), and then be served.
TEST_F(TlsTest, TicketsArriveBeforeAnyRequest) {
  testing::TestServer ts(handler(), tls_config());
  ProgramResult r = python({"tickets", std::to_string(ts.server().tls_port()), "a.test", ca_->ca().string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(test::output_field(r.out, "TICKET"), "True") << r.out;
  EXPECT_EQ(test::output_field(r.out, "STATUS"), "200") << r.out;
  EXPECT_TRUE(test::output_field(r.out, "BODY").starts_with("TLSv1.3|")) << r.out;
}

TEST_F(TlsTest, SessionCacheWithoutTickets) {
  ServerConfig cfg = tls_config();
  cfg.tls.session_tickets = false;
  testing::TestServer ts(handler(), cfg);
  ProgramResult r = python({"resume", std::to_string(ts.server().tls_port()), "a.test", ca_->ca().string(), "tls12"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(test::output_field(r.out, "REUSED"), "True");
}

// A session id made on one loop resumes on the others: each loop's cache misses, the
// Server's shared store answers.
TEST_F(TlsTest, SessionIdResumesOnEveryLoop) {
  ServerConfig cfg = tls_config();
  cfg.threads = 2;
  cfg.tls.session_tickets = false;
  testing::TestServer ts(handler(), cfg);
  constexpr int kReconnections = 16;
  ProgramResult r = python({"resume", std::to_string(ts.server().tls_port()), "a.test", ca_->ca().string(), "tls12",
                            std::to_string(kReconnections)});
  ASSERT_EQ(r.status, 0) << r.err;
  const ServerStats stats = ts.server().stats();
  ASSERT_EQ(stats.loops.size(), 2u);
  // Both loops took connections (else this proves nothing), and every reconnection resumed.
  EXPECT_GT(stats.loops[0].connections_accepted, 0u);
  EXPECT_GT(stats.loops[1].connections_accepted, 0u);
  EXPECT_EQ(test::output_field(r.out, "REUSED_COUNT"), std::to_string(kReconnections));
}

TEST_F(TlsTest, RenegotiationIsRefused) {
  testing::TestServer ts(handler(), tls_config());
  const std::string port = std::to_string(ts.server().tls_port());
  // s_client's "R" command asks for a TLS 1.2 renegotiation; the input then stays open for
  // a second, long enough for the server's refusal to arrive.
  ProgramResult r = run_program("/bin/sh", {"-c", "(printf 'R\\n'; sleep 1) | " + test::find_program("openssl") +
                                                      " s_client -connect 127.0.0.1:" + port + " -tls1_2 2>&1"});
  EXPECT_NE(r.out.find("RENEGOTIATING"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no renegotiation"), std::string::npos) << r.out;
  ProgramResult after = curl(ts.server().tls_port(), "a.test", {url(ts.server().tls_port(), "a.test", "/info")});
  EXPECT_EQ(after.status, 0) << after.err;
}

TEST_F(TlsTest, HandshakeTimeoutClosesSilentClient) {
  ServerConfig cfg = tls_config();
  cfg.tls.handshake_timeout = 150ms;
  testing::TestServer ts(handler(), cfg);
  RawClient c(ts.server().tls_port());
  c.send(std::string("\x16\x03\x01", 3));  // the start of a handshake record, then nothing
  EXPECT_TRUE(c.wait_closed());
  // No waiting: the loop counts a connection out before it closes the socket.
  EXPECT_EQ(ts.server().stats().total().connections_open, 0u);
}

TEST_F(TlsTest, PlainHttpOnTlsPortGets400) {
  testing::TestServer ts(handler(), tls_config());
  RawClient c(ts.server().tls_port());
  c.send("GET /info HTTP/1.1\r\nHost: a\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("plain HTTP request was sent to HTTPS port"), std::string::npos) << res->body;
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(TlsTest, AbruptCloseMidHandshakeLeavesServerServing) {
  testing::TestServer ts(handler(), tls_config());
  const std::uint16_t port = ts.server().tls_port();
  for (int i = 0; i < 3; ++i) {
    RawClient c(port);
    // A ClientHello record header announcing 512 bytes, and only a few of them.
    c.send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
    c.close();
  }
  {
    RawClient junk(port);
    junk.send(std::string("\x00\x01\x02", 3));  // neither TLS nor HTTP: closed
    EXPECT_TRUE(junk.wait_closed());
  }
  ProgramResult r = curl(port, "a.test", {url(port, "a.test", "/info")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("TLSv1.3")) << r.out;
}

TEST_F(TlsTest, ReloadWhileDownloading) {
  // The served files are copies, so the reload can replace them.
  const fs::path cert = ca_->dir() / "live.pem";
  const fs::path key = ca_->dir() / "live.key";
  fs::copy_file(ca_->a.cert, cert, fs::copy_options::overwrite_existing);
  fs::copy_file(ca_->a.key, key, fs::copy_options::overwrite_existing);
  ServerConfig cfg = tls_config();
  cfg.tls.certificates = {{cert.string(), key.string(), ""}};
  testing::TestServer ts(handler(), cfg);
  const std::string port = std::to_string(ts.server().tls_port());
  const fs::path marker = ca_->dir() / "started";
  const fs::path go = ca_->dir() / "go";
  fs::remove(marker);
  fs::remove(go);
  test::ChildProcess download(python_, {(ca_->dir() / "client.py").string(), "download", port, "a.test",
                                        ca_->ca().string(), "/files/big.bin", marker.string(), go.string()});
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!fs::exists(marker) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(fs::exists(marker)) << "the download did not start";
  // The server is still in the middle of writing it.
  EXPECT_LT(ts.server().stats().total().bytes_sent, fs::file_size(ca_->dir() / "www" / "big.bin"));

  // A bad file is refused and the old certificate stays.
  std::ofstream(key) << "not a key";
  TlsResult bad = ts.server().reload_tls();
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.message.find(key.string()), std::string::npos) << bad.message;
  fs::copy_file(ca_->a2.cert, cert, fs::copy_options::overwrite_existing);
  fs::copy_file(ca_->a2.key, key, fs::copy_options::overwrite_existing);
  TlsResult ok = ts.server().reload_tls();
  ASSERT_TRUE(ok.ok) << ok.message;
  ProgramResult fresh = python({"get", port, "a.test", ca_->ca().string(), "/info", "-", "-", ca_->a2.cert.string()});
  ASSERT_EQ(fresh.status, 0) << fresh.err;
  EXPECT_EQ(test::output_field(fresh.out, "CERTMATCH"), "True") << "new handshakes get the new certificate";

  std::ofstream(go).close();
  ASSERT_EQ(download.wait_exit(), 0) << download.err();
  EXPECT_EQ(test::output_field(download.out(), "STATUS"), "200");
  ProgramResult sha = run_program("/usr/bin/sha256sum", {(ca_->dir() / "www" / "big.bin").string()});
  EXPECT_EQ(test::output_field(download.out(), "SHA"),
            sha.out.substr(0, 64) + " " + std::to_string(fs::file_size(ca_->dir() / "www" / "big.bin")));
}

TEST_F(TlsTest, ListenFailsClearlyOnBadCertificate) {
  ServerConfig cfg = tls_config();
  cfg.tls.certificates = {{(ca_->dir() / "missing.pem").string(), ca_->a.key.string(), ""}};
  Server s(cfg, handler());
  EXPECT_EQ(s.listen(), make_error_code(TlsErrc::BadCertificate));
  TlsResult check = check_tls_config(cfg.tls);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.message.find("missing.pem"), std::string::npos) << check.message;
  cfg.tls.certificates = {{ca_->a.cert.string(), ca_->b.key.string(), ""}};
  EXPECT_NE(check_tls_config(cfg.tls).message.find("does not match"), std::string::npos);
  cfg.tls.certificates.clear();
  Server none(cfg, handler());
  EXPECT_EQ(none.listen(), make_error_code(TlsErrc::NoCertificate));
  cfg = tls_config();
  cfg.tls.alpn = {"h2"};
  Server h2(cfg, handler());
  EXPECT_EQ(h2.listen(), make_error_code(TlsErrc::BadConfig));
}

}  // namespace
}  // namespace nethttp
