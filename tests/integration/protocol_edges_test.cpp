// Protocol edges on the wire (RFC 9110/9112, checked against Go and nginx): any token is a
// method, chunk extensions are accepted and ignored, Host must be uri-host[:port], control
// bytes in the target and HTTP/1.x minor versions, absolute-form without a path, redirect
// Locations that a browser cannot read as another host, special files in a served tree,
// and ETags that do not expose inode numbers.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "nethttp/file_server.hpp"
#include "nethttp/helpers.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

namespace fs = std::filesystem;

// echo answers with the method, the version and the body it saw.
void echo(ResponseWriter& w, Request& r) {
  w.write(std::string(r.method()) + " " + std::to_string(r.version().major) + "." + std::to_string(r.version().minor) +
          " " + std::string(r.path()) + " " + std::string(r.body()));
}

std::optional<test::ParsedResponse> send(std::uint16_t port, const std::string& raw) {
  return test::roundtrip(port, raw);
}

TEST(ProtocolEdges, AnyTokenMethodReachesTheHandler) {
  testing::TestServer ts(echo);
  for (std::string_view method : {"FOOBAR", "PROPFIND", "get", "M-SEARCH"}) {
    SCOPED_TRACE(method);
    auto res = send(ts.port(), std::string(method) + " /x HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, std::string(method) + " 1.1 /x ");
  }
  // The body is framed as for any method, and the next request on the connection follows.
  test::RawClient c(ts.port());
  c.send("PURGE /a HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: t\r\n\r\n");
  auto first = c.read_response();
  auto second = c.read_response();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "PURGE 1.1 /a abc");
  EXPECT_EQ(second->body, "GET 1.1 /b ");
}

TEST(ProtocolEdges, LowercaseHeadIsNotHead) {
  testing::TestServer ts(echo);
  auto res = send(ts.port(), "head /x HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "head 1.1 /x ") << "methods are case-sensitive: a body is due";
}

TEST(ProtocolEdges, MuxAndFileServerAnswerUnknownMethods) {
  test::TempDir root("nethttp-pem");
  root.write("f.txt", "file\n");
  ServeMux mux;
  mux.handle("/any/", echo);
  mux.handle("GET /get-only", echo);
  mux.handle("/files/", strip_prefix("/files", file_server(root.path().string())));
  testing::TestServer ts(mux);
  auto any = send(ts.port(), "PROPFIND /any/x HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->status, 200);
  EXPECT_EQ(any->body, "PROPFIND 1.1 /any/x ");
  auto get_only = send(ts.port(), "FOOBAR /get-only HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(get_only);
  EXPECT_EQ(get_only->status, 405);
  EXPECT_NE(get_only->header("Allow").find("GET"), std::string::npos);
  auto file = send(ts.port(), "FOOBAR /files/f.txt HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->status, 405);
  EXPECT_EQ(file->header("Allow"), "GET, HEAD");
}

TEST(ProtocolEdges, NonTokenMethodIs400) {
  testing::TestServer ts(echo);
  for (std::string raw : {"GE(T / HTTP/1.1\r\nHost: t\r\n\r\n", "G{T / HTTP/1.1\r\nHost: t\r\n\r\n"}) {
    auto res = send(ts.port(), raw);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
  }
}

TEST(ProtocolEdges, ChunkExtensionsAreAcceptedAndIgnored) {
  testing::TestServer ts(echo);
  auto res = send(ts.port(),
                  "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5;a=b;c=d\r\nhello\r\n3;q=\"a b\"\r\n, x\r\n0\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "POST 1.1 /c hello, x");
}

TEST(ProtocolEdges, InvalidHostIs400AndIpv6LiteralIsFine) {
  testing::TestServer ts(echo);
  for (std::string_view host : {"user@host", "host/path", "a.example, b.example", "a b", "h:8o"}) {
    SCOPED_TRACE(host);
    auto res = send(ts.port(), "GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
  }
  auto v6 = send(ts.port(), "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->status, 200);
}

TEST(ProtocolEdges, TabInTargetIs400) {
  testing::TestServer ts(echo);
  auto res = send(ts.port(), "GET /a\tb HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

TEST(ProtocolEdges, HigherMinorVersionIsAnsweredAsHttp11) {
  testing::TestServer ts(echo);
  auto res = send(ts.port(), "GET /v HTTP/1.2\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->version, "HTTP/1.1");
  EXPECT_EQ(res->body, "GET 1.1 /v ");
}

TEST(ProtocolEdges, AbsoluteFormWithoutPathRedirectsToRoot) {
  // Go's ServeMux sees the empty path of "http://example.com" and answers 301 to "/" (the
  // query kept), with the same body as any other clean-path redirect; checked against Go 1.19.
  ServeMux mux;
  mux.handle("/{$}", echo);
  testing::TestServer ts(mux);
  auto res = send(ts.port(), "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 301);
  EXPECT_EQ(res->header("Location"), "/");
  EXPECT_EQ(res->header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(res->body, "<a href=\"/\">Moved Permanently</a>.\n\n");

  res = send(ts.port(), "GET http://example.com?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 301);
  EXPECT_EQ(res->header("Location"), "/?x=1");

  // With a path, absolute-form is routed as it is.
  res = send(ts.port(), "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "GET 1.1 / ");
}

TEST(ProtocolEdges, AbsoluteFormWithoutPathIsTheRootWithoutAMux) {
  // A handler served directly (no ServeMux) gets the path "/" rather than an empty one.
  testing::TestServer ts(echo);
  auto res = send(ts.port(), "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "GET 1.1 / ");
}

TEST(ProtocolEdges, CleanPathRedirectEscapesBackslash) {
  // "//\evil.com" cleans to "/\evil.com", which browsers read as "//evil.com": Go writes
  // the Location "/%5Cevil.com".
  ServeMux mux;
  mux.handle("/", echo);
  testing::TestServer ts(mux);
  auto res = send(ts.port(), "GET //\\evil.com HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 301);
  EXPECT_EQ(res->header("Location"), "/%5Cevil.com");
}

TEST(ProtocolEdges, SocketAndFifoInTheRootAre404) {
  test::TempDir root("nethttp-pes");
  root.write("ok.txt", "ok\n");
  const fs::path sock_path = root.path() / "sock";
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(sock);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock_path.string().size(), sizeof addr.sun_path);
  std::memcpy(addr.sun_path, sock_path.c_str(), sock_path.string().size() + 1);
  ASSERT_EQ(::bind(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  ASSERT_EQ(::mkfifo((root.path() / "fifo").c_str(), 0644), 0);
  testing::TestServer ts(file_server(root.path().string()));
  for (std::string_view path : {"/sock", "/fifo"}) {
    SCOPED_TRACE(path);
    test::ParsedResponse res = test::get(ts.port(), path);
    EXPECT_EQ(res.status, 404);
  }
  EXPECT_EQ(test::get(ts.port(), "/ok.txt").status, 200);
}

TEST(ProtocolEdges, ETagDoesNotExposeTheInode) {
  test::TempDir root("nethttp-pee");
  const fs::path file = root.write("f.txt", "content\n");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  auto hex = [](unsigned long long v) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, 16);
    return std::string(buf, ec == std::errc() ? end : buf);
  };
  testing::TestServer ts(file_server(root.path().string()));
  const std::string etag = test::get(ts.port(), "/f.txt").header("ETag");
  // Size and modification time (ns), as nginx does with size and mtime: nothing about
  // where the file lives on the server's disk.
  const unsigned long long ns = static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1'000'000'000ULL +
                                static_cast<unsigned long long>(st.st_mtim.tv_nsec);
  EXPECT_EQ(etag, "\"" + hex(static_cast<unsigned long long>(st.st_size)) + "-" + hex(ns) + "\"")
      << "inode " << hex(static_cast<unsigned long long>(st.st_ino));
}

}  // namespace
}  // namespace nethttp
