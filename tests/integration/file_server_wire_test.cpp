// file_server() over real sockets: byte-exact large bodies through sendfile, conditionals,
// ranges and multipart/byteranges as a client parses them, traversal attempts as raw
// request-targets, symlinks, dotfiles, redirects, HEAD, precompressed siblings, keep-alive.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "nethttp/file_server.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kBigSize = 8 * 1024 * 1024;

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t v = rng();
    for (std::size_t j = 0; j < 8 && i + j < n; ++j, v >>= 8) out[i + j] = static_cast<char>(v & 0xFF);
  }
  return out;
}

// WireSite is a temporary root with a large random file, small text files, precompressed
// siblings, dotfiles and symlinks in both directions.
class WireSite {
 public:
  WireSite() : big(random_bytes(kBigSize, 42)) {
    fs::create_directories(root() / "docs");
    put("../outside.txt", "OUTSIDE-SECRET");
    put("big.bin", big);
    put("hello.txt", "hello, world\n");
    put("index.html", "<h1>home</h1>\n");
    put("docs/index.html", "<h1>docs</h1>\n");
    put("app.js", "console.log('identity');\n");
    put("app.js.br", "BROTLI-BYTES");
    put("app.js.gz", "GZIP-BYTES");
    put(".env", "SECRET=1\n");
    fs::create_symlink("../outside.txt", root() / "escape");
    fs::create_symlink("hello.txt", root() / "alias.txt");
  }
  [[nodiscard]] fs::path root() const { return base_.path() / "root"; }

  const std::string big;

 private:
  // put writes root()/rel; "../x" lands beside the root, outside what is served.
  void put(const std::string& rel, std::string_view content) const { base_.write(fs::path("root") / rel, content); }
  test::TempDir base_{"nethttp-fsw"};
};

class FileServerWire : public ::testing::Test {
 protected:
  // One 8 MiB tree for the whole suite: writing it is the slow part.
  static void SetUpTestSuite() { site_ = std::make_unique<WireSite>(); }
  static void TearDownTestSuite() { site_.reset(); }
  const WireSite& site() const { return *site_; }
  testing::TestServer server{file_server(site_->root().string())};
  std::uint16_t port() const { return server.port(); }

 private:
  static std::unique_ptr<WireSite> site_;
};
std::unique_ptr<WireSite> FileServerWire::site_;

TEST_F(FileServerWire, LargeFileIsByteExact) {
  test::ParsedResponse r = test::get(port(), "/big.bin");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Length"), std::to_string(kBigSize));
  EXPECT_EQ(r.header("Content-Type"), "application/octet-stream");
  EXPECT_FALSE(r.chunked);
  ASSERT_EQ(r.body.size(), kBigSize);
  EXPECT_EQ(fnv1a(r.body), fnv1a(site().big));
  EXPECT_TRUE(r.body == site().big);
}

TEST_F(FileServerWire, KeepAliveServesSeveralFilesInOrder) {
  test::RawClient c(port());
  // Pipelined: a large body, a range, a 304 and a HEAD, answered in order on one connection.
  std::string etag = test::get(port(), "/hello.txt").header("ETag");
  c.send(
      "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=100-199\r\n\r\n"
      "GET /hello.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: " +
      etag +
      "\r\n\r\n"
      "HEAD /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n");
  auto a = c.read_response();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 200);
  EXPECT_TRUE(a->body == site().big);
  auto b = c.read_response();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, 206);
  EXPECT_EQ(b->body, site().big.substr(100, 100));
  auto n = c.read_response();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->status, 304);
  EXPECT_EQ(n->header("ETag"), etag);
  auto h = c.read_response(true);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->header("Content-Length"), "13");
  auto last = c.read_response();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, "hello, world\n");
}

TEST_F(FileServerWire, HeadHasHeadersAndNoBody) {
  test::RawClient c(port());
  c.send("HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  auto head = c.read_response(true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length"), std::to_string(kBigSize));
  EXPECT_FALSE(head->header("ETag").empty());
  // If the HEAD had leaked a body, this would read garbage instead of the next response.
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "hello, world\n");
}

TEST_F(FileServerWire, ConditionalStatuses) {
  test::ParsedResponse first = test::get(port(), "/hello.txt");
  std::string etag = first.header("ETag");
  std::string modified = first.header("Last-Modified");
  test::ParsedResponse nm = test::get(port(), "/hello.txt", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(nm.status, 304);
  EXPECT_EQ(nm.body, "");
  EXPECT_EQ(nm.header("ETag"), etag);
  EXPECT_EQ(nm.header("Vary"), "Accept-Encoding");
  EXPECT_EQ(test::get(port(), "/hello.txt", "If-Modified-Since: " + modified + "\r\n").status, 304);
  EXPECT_EQ(test::get(port(), "/hello.txt", "If-Match: \"other\"\r\n").status, 412);
  EXPECT_EQ(test::get(port(), "/hello.txt", "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n").status, 412);
  EXPECT_EQ(test::get(port(), "/hello.txt", "If-Match: " + etag + "\r\n").status, 200);
}

TEST_F(FileServerWire, SingleRangesAnd416) {
  test::ParsedResponse r = test::get(port(), "/big.bin", "Range: bytes=1000000-1999999\r\n");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.header("Content-Range"), fmt::format("bytes 1000000-1999999/{}", kBigSize));
  EXPECT_TRUE(r.body == site().big.substr(1000000, 1000000));
  test::ParsedResponse suffix = test::get(port(), "/big.bin", "Range: bytes=-10\r\n");
  EXPECT_EQ(suffix.status, 206);
  EXPECT_EQ(suffix.body, site().big.substr(kBigSize - 10));
  test::ParsedResponse open = test::get(port(), "/big.bin", fmt::format("Range: bytes={}-\r\n", kBigSize - 5));
  EXPECT_EQ(open.body, site().big.substr(kBigSize - 5));
  test::ParsedResponse bad = test::get(port(), "/big.bin", fmt::format("Range: bytes={}-\r\n", kBigSize));
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(bad.header("Content-Range"), fmt::format("bytes */{}", kBigSize));
  test::ParsedResponse stale = test::get(port(), "/hello.txt", "Range: bytes=0-4\r\nIf-Range: \"stale\"\r\n");
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, "hello, world\n");
  test::ParsedResponse malformed = test::get(port(), "/hello.txt", "Range: bytes=abc\r\n");
  EXPECT_EQ(malformed.status, 200);
  EXPECT_EQ(malformed.body, "hello, world\n");
}

TEST_F(FileServerWire, MultipartByterangesParse) {
  test::ParsedResponse r = test::get(port(), "/big.bin", "Range: bytes=0-99, 4194304-4194403, -100\r\n");
  ASSERT_EQ(r.status, 206);
  std::string type = r.header("Content-Type");
  ASSERT_TRUE(type.starts_with("multipart/byteranges; boundary=")) << type;
  std::string boundary = type.substr(type.find('=') + 1);
  EXPECT_EQ(r.header("Content-Length"), std::to_string(r.body.size()));
  struct Want {
    std::uint64_t start, length;
  };
  std::vector<Want> want{{0, 100}, {4194304, 100}, {kBigSize - 100, 100}};
  std::size_t pos = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(i);
    std::string delim = (i == 0 ? "" : "\r\n") + std::string("--") + boundary + "\r\n";
    ASSERT_EQ(r.body.compare(pos, delim.size(), delim), 0);
    pos += delim.size();
    std::size_t end = r.body.find("\r\n\r\n", pos);
    ASSERT_NE(end, std::string::npos);
    std::string part_headers = r.body.substr(pos, end - pos);
    EXPECT_NE(part_headers.find("Content-Type: application/octet-stream"), std::string::npos);
    EXPECT_NE(part_headers.find(fmt::format("Content-Range: bytes {}-{}/{}", want[i].start,
                                            want[i].start + want[i].length - 1, kBigSize)),
              std::string::npos)
        << part_headers;
    pos = end + 4;
    EXPECT_TRUE(r.body.compare(pos, want[i].length, site().big, want[i].start, want[i].length) == 0);
    pos += want[i].length;
  }
  EXPECT_EQ(r.body.substr(pos), "\r\n--" + boundary + "--\r\n");
}

TEST_F(FileServerWire, AbusiveRangesGetTheWholeFile) {
  test::ParsedResponse r = test::get(port(), "/hello.txt", "Range: bytes=0-,0-,0-,0-\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello, world\n");
  std::string many = "Range: bytes=0-0";
  for (int i = 1; i <= 16; ++i) many += fmt::format(",{}-{}", i * 100, i * 100);
  test::ParsedResponse m = test::get(port(), "/big.bin", many + "\r\n");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.body.size(), kBigSize);
}

TEST_F(FileServerWire, TraversalAttemptsNeverLeak) {
  for (std::string_view target :
       {"/../outside.txt", "/%2e%2e/outside.txt", "/..%2foutside.txt", "/%2e%2e%2foutside.txt",
        "/docs/../../outside.txt", "/docs/..%2f..%2foutside.txt", "/..\\outside.txt", "/..%5coutside.txt",
        "/%2E%2E/outside.txt", "//../outside.txt", "/./../outside.txt", "/escape", "/docs/%2e%2e/%2e%2e/outside.txt"}) {
    SCOPED_TRACE(target);
    test::ParsedResponse r = test::get(port(), target);
    EXPECT_TRUE(r.status == 400 || r.status == 404) << r.status;
    EXPECT_EQ(r.body.find("OUTSIDE"), std::string::npos);
  }
  // A NUL byte never reaches the file system.
  test::ParsedResponse nul = test::get(port(), "/hello.txt%00.html");
  EXPECT_TRUE(nul.status == 400 || nul.status == 404) << nul.status;
}

TEST_F(FileServerWire, SymlinkInsideDotfilesAndMissing) {
  test::ParsedResponse alias = test::get(port(), "/alias.txt");
  EXPECT_EQ(alias.status, 200);
  EXPECT_EQ(alias.body, "hello, world\n");
  EXPECT_EQ(test::get(port(), "/.env").status, 404);
  EXPECT_EQ(test::get(port(), "/%2eenv").status, 404);
  EXPECT_EQ(test::get(port(), "/nope.html").status, 404);
  EXPECT_EQ(test::get(port(), "/nope.html").body, "404 page not found\n");
}

TEST_F(FileServerWire, DirectoryRedirectsAndIndex) {
  test::ParsedResponse redirect = test::get(port(), "/docs?page=2");
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(redirect.header("Location"), "./docs/?page=2");
  test::ParsedResponse docs = test::get(port(), "/docs/");
  EXPECT_EQ(docs.status, 200);
  EXPECT_EQ(docs.body, "<h1>docs</h1>\n");
  test::ParsedResponse index = test::get(port(), "/docs/index.html");
  EXPECT_EQ(index.status, 301);
  EXPECT_EQ(index.header("Location"), "./");
  EXPECT_EQ(test::get(port(), "/").body, "<h1>home</h1>\n");
}

TEST_F(FileServerWire, PrecompressedSiblings) {
  test::ParsedResponse br = test::get(port(), "/app.js", "Accept-Encoding: gzip, deflate, br\r\n");
  EXPECT_EQ(br.status, 200);
  EXPECT_EQ(br.body, "BROTLI-BYTES");
  EXPECT_EQ(br.header("Content-Encoding"), "br");
  EXPECT_EQ(br.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(br.header("Vary"), "Accept-Encoding");
  test::ParsedResponse gz = test::get(port(), "/app.js", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(gz.body, "GZIP-BYTES");
  EXPECT_EQ(gz.header("Content-Encoding"), "gzip");
  test::ParsedResponse plain = test::get(port(), "/app.js");
  EXPECT_EQ(plain.body, "console.log('identity');\n");
  EXPECT_EQ(plain.header("Vary"), "Accept-Encoding");
  EXPECT_TRUE(plain.header("Content-Encoding").empty());
}

TEST_F(FileServerWire, MethodNotAllowed) {
  auto r =
      test::roundtrip(port(), "POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace nethttp
