// nethttp-static with HTTPS: the TLS flags' mistakes (one line, exit 2), an unreadable
// certificate (exit 1), HTTPS beside HTTP with --https-redirect, and SIGHUP swapping the
// certificate. Certificates are made with the openssl tool and fetched over TLS with curl.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nethttp/tls.hpp"
#include "support/child_process.hpp"
#include "support/raw_client.hpp"
#include "support/static_server.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

const std::string kBinary = test::static_server_binary();

// find_tool returns the path of a program on PATH, or "".
std::string find_tool(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/bin:/bin";
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    std::string candidate = std::string(rest.substr(0, colon)) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  }
  return {};
}

class StaticServerTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kBinary.empty()) GTEST_SKIP() << test::kStaticServerMissing;
    dir.write("site/index.html", "<p>hi</p>");
    dir.write("site/a.txt", "A");
  }
  // need_tls skips a test that serves HTTPS when the build or the machine cannot.
  bool need_tls() {
    if (!tls_available()) return false;
    openssl = find_tool("openssl");
    curl = find_tool("curl");
    return !openssl.empty() && !curl.empty();
  }
  // make_cert writes NAME.pem and NAME.key: a self-signed P-256 certificate for
  // localhost and 127.0.0.1 whose subject is CN=cn.
  void make_cert(const std::string& name, const std::string& cn) {
    test::ChildProcess c(
        openssl, {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                  "-subj", "/CN=" + cn, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
                  file(name + ".key"), "-out", file(name + ".pem")});
    ASSERT_EQ(c.wait_exit(), 0) << c.err();
  }
  // fetch runs curl over TLS (trusting only ca) and returns its exit status; body and the
  // verbose trace (which names the server certificate's subject) are kept.
  int fetch(std::uint16_t port, const std::string& path, const std::string& ca) {
    test::ChildProcess c(
        curl, {"-sS", "-v", "--max-time", "10", "--cacert", ca, "https://127.0.0.1:" + std::to_string(port) + path});
    int status = c.wait_exit();
    body = c.out();
    trace = c.err();
    return status;
  }
  std::string file(const std::string& name) const { return (dir.path() / name).string(); }
  std::string root() const { return file("site"); }
  static std::size_t lines(const std::string& s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
  }

  test::TempDir dir{"nethttp-sst"};
  std::string openssl, curl, body, trace;
};

TEST_F(StaticServerTls, FlagMistakesAreOneLineAndExit2) {
  struct Case {
    std::vector<std::string> args;
    std::string want;
  };
  for (const Case& c : {
           Case{{"--listen-tls", "127.0.0.1:0", "--tls-cert", "a.pem"},
                "--tls-cert and --tls-key come in pairs: got 1 certificate(s) and 0 key(s)"},
           Case{{"--listen-tls", "127.0.0.1:0", "--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-key", "b.key"},
                "--tls-cert and --tls-key come in pairs: got 1 certificate(s) and 2 key(s)"},
           Case{{"--tls-cert", "a.pem", "--tls-key", "a.key"}, "--tls-cert needs --listen-tls"},
           Case{{"--listen-tls", "127.0.0.1:0"}, "--listen-tls needs --tls-cert and --tls-key"},
           Case{{"--https-redirect"}, "--https-redirect needs --listen-tls"},
           Case{{"--https-redirect=yes"}, "--https-redirect takes no value"},
       }) {
    test::ChildProcess p(kBinary, c.args);
    EXPECT_EQ(p.wait_exit(), 2) << c.want;
    EXPECT_EQ(p.err(), "nethttp-static: " + c.want + "\n");
  }
}

TEST_F(StaticServerTls, UnreadableCertificateFailsAtStartup) {
  if (!tls_available()) GTEST_SKIP() << "built without TLS";
  const std::string missing = file("missing.pem");
  test::ChildProcess p(kBinary, {"--root", root(), "--listen", "127.0.0.1:0", "--listen-tls", "127.0.0.1:0",
                                 "--tls-cert", missing, "--tls-key", file("missing.key")});
  EXPECT_EQ(p.wait_exit(), 1);
  EXPECT_EQ(lines(p.err()), 1u) << p.err();
  EXPECT_NE(p.err().find(missing), std::string::npos) << p.err();
  EXPECT_TRUE(p.out().empty()) << p.out();
}

TEST_F(StaticServerTls, ServesHttpsBesideHttpAndRedirects) {
  if (!need_tls()) GTEST_SKIP() << "needs a TLS build, openssl and curl";
  make_cert("site-cert", "localhost");
  test::ChildProcess c(kBinary, {"--root", root(), "--listen", "127.0.0.1:0", "--listen-tls", "127.0.0.1:0",
                                 "--tls-cert", file("site-cert.pem"), "--tls-key", file("site-cert.key"),
                                 "--https-redirect", "--threads", "1", "--access-log", "off"});
  // "nethttp-static: serving ROOT on http://127.0.0.1:P/ and https://127.0.0.1:Q/ with 1 loops"
  const std::string line = c.read_stdout_line();
  const std::uint16_t port = test::port_after(line, "http://127.0.0.1:");
  const std::uint16_t tls = test::port_after(line, "https://127.0.0.1:");
  ASSERT_NE(port, 0) << line << c.err();
  ASSERT_NE(tls, 0) << line;
  ASSERT_NE(port, tls);

  // test::get sends "Host: test", test::request "Host: 127.0.0.1": the redirect keeps the
  // host the client asked for and swaps the port.
  test::ParsedResponse moved = test::get(port, "/a.txt?x=1");
  EXPECT_EQ(moved.status, 301);
  EXPECT_EQ(moved.header("Location"), "https://test:" + std::to_string(tls) + "/a.txt?x=1");
  test::ParsedResponse post = test::request(port, "POST", "/form", "a=1", "application/x-www-form-urlencoded");
  EXPECT_EQ(post.status, 308);
  EXPECT_EQ(post.header("Location"), "https://127.0.0.1:" + std::to_string(tls) + "/form");
  EXPECT_EQ(test::get(port, "/healthz").status, 200);  // probes stay on the cleartext port
  EXPECT_EQ(test::get(port, "/readyz").status, 200);

  ASSERT_EQ(fetch(tls, "/a.txt", file("site-cert.pem")), 0) << trace;
  EXPECT_EQ(body, "A");
  ASSERT_EQ(fetch(tls, "/", file("site-cert.pem")), 0) << trace;
  EXPECT_EQ(body, "<p>hi</p>");  // over TLS no redirect

  c.signal(SIGTERM);
  EXPECT_EQ(c.wait_exit(), 0) << c.err();
}

TEST_F(StaticServerTls, SighupSwapsTheCertificateAndKeepsItWhenBad) {
  if (!need_tls()) GTEST_SKIP() << "needs a TLS build, openssl and curl";
  make_cert("first", "first.test");
  make_cert("second", "second.test");
  std::filesystem::copy_file(file("first.pem"), file("live.pem"));
  std::filesystem::copy_file(file("first.key"), file("live.key"));
  test::ChildProcess c(kBinary,
                       {"--root", root(), "--listen", "", "--listen-tls", "127.0.0.1:0", "--tls-cert", file("live.pem"),
                        "--tls-key", file("live.key"), "--threads", "2", "--access-log", "off"});
  const std::string line = c.read_stdout_line();
  EXPECT_EQ(line.find("http://"), std::string::npos) << line;  // HTTPS only
  const std::uint16_t tls = test::port_after(line, "https://127.0.0.1:");
  ASSERT_NE(tls, 0) << line << c.err();
  ASSERT_EQ(fetch(tls, "/a.txt", file("first.pem")), 0) << trace;
  EXPECT_NE(trace.find("CN=first.test"), std::string::npos) << trace;

  std::filesystem::copy_file(file("second.pem"), file("live.pem"), std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(file("second.key"), file("live.key"), std::filesystem::copy_options::overwrite_existing);
  c.signal(SIGHUP);
  EXPECT_EQ(c.read_stdout_line_containing("TLS"), "nethttp-static: SIGHUP: TLS certificates reloaded");
  ASSERT_EQ(fetch(tls, "/a.txt", file("second.pem")), 0) << trace;
  EXPECT_NE(trace.find("CN=second.test"), std::string::npos) << trace;
  EXPECT_EQ(body, "A");

  std::ofstream(file("live.key"), std::ios::trunc) << "not a key\n";
  c.signal(SIGHUP);
  const std::string kept = c.read_stdout_line_containing("TLS");
  EXPECT_EQ(kept.rfind("nethttp-static: SIGHUP: keeping the current TLS certificates: ", 0), 0u) << kept;
  ASSERT_EQ(fetch(tls, "/a.txt", file("second.pem")), 0) << trace;  // still the second certificate
  EXPECT_NE(trace.find("CN=second.test"), std::string::npos) << trace;

  c.signal(SIGTERM);
  EXPECT_EQ(c.wait_exit(), 0) << c.err();
}

}  // namespace
}  // namespace nethttp
