// Precompressed siblings: Accept-Encoding negotiation and the file server's choice of
// NAME.br / NAME.gz, with Vary, Content-Encoding and the original's Content-Type.

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <utility>

#include "fs/accept_encoding.hpp"
#include "nethttp/file_server.hpp"
#include "nethttp/testing.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

namespace fs = std::filesystem;
using Hdrs = std::initializer_list<std::pair<std::string_view, std::string_view>>;

std::string order(std::string_view header) {
  detail::CodingPreference p = detail::accepted_codings(header);
  std::string out;
  for (std::size_t i = 0; i < p.count; ++i) {
    if (i) out += ',';
    out += p.order[i].coding;
  }
  return out;
}

TEST(AcceptEncoding, Negotiation) {
  struct Case {
    std::string_view header, want;
  };
  for (const Case& c : {
           Case{"", ""},
           Case{"identity", ""},
           Case{"gzip", "gzip"},
           Case{"br", "br"},
           Case{"gzip, br", "br,gzip"},  // tie: br first
           Case{"gzip, deflate, br, zstd", "br,gzip"},
           Case{"br;q=0.5, gzip", "gzip,br"},
           Case{"br;q=0, gzip", "gzip"},  // q=0 refuses
           Case{"br;q=0.000, gzip;q=0", ""},
           Case{"GZIP", "gzip"},
           Case{"x-gzip", "gzip"},
           Case{"*", "br,gzip"},
           Case{"*;q=0.1, gzip", "gzip,br"},
           Case{"*;q=0", ""},
           Case{"br;q=0, *", "gzip"},
           Case{"gzip;q=1.0, br;q=0.9", "gzip,br"},
           Case{"gzip ; q=0.8 , br ; q=0.80", "br,gzip"},
           Case{"br;q=2, gzip", "gzip"},  // malformed q: member skipped
           Case{"br;q=abc", ""},
           Case{"br;q=1.5", ""},
           Case{"br;level=5", "br"},
       }) {
    SCOPED_TRACE(c.header);
    EXPECT_EQ(order(c.header), c.want);
  }
}

class Precompressed : public ::testing::Test {
 protected:
  Precompressed() {
    write("app.js", "console.log('identity');\n", 1000);
    write("app.js.gz", "GZIP-BYTES", 1001);
    write("app.js.br", "BROTLI-BYTES", 1001);
    write("style.css", "body{}\n", 1000);
    write("style.css.gz", "GZ-CSS", 1000);  // same mtime: still fresh
    write("old.txt", "new text\n", 2000);
    write("old.txt.gz", "STALE-GZ", 1000);  // older than its original: ignored
    write("photo.png", "PNG", 1000);
    write("photo.png.gz", "GZ-PNG", 1001);  // not a compressible type: never used
    write("data.json", "{}", 1000);
    fs::create_directories(root_ / "dir.js.gz");  // a directory sibling is not a file
    write("dir.js", "dir-sibling", 1000);
  }
  void write(const std::string& name, std::string_view content, std::time_t mtime) {
    fs::path p = root_ / name;
    std::ofstream(p, std::ios::binary) << content;
    struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
    ::utimensat(AT_FDCWD, p.c_str(), times, 0);
  }
  std::unique_ptr<testing::ResponseRecorder> get(std::string_view target, Hdrs headers, FileServerOptions o = {}) {
    Handler h = file_server(root_.string(), std::move(o));
    Request r("GET", target);
    for (auto& [n, v] : headers) r.headers().add(n, v);
    return testing::serve(h, r);
  }
  static std::string header(const testing::ResponseRecorder& rec, std::string_view name) {
    return std::string(rec.header_map().get(name));
  }

  test::TempDir tmp_{"nethttp-fse"};  // removed with everything in it
  fs::path root_ = tmp_.path();
};

TEST_F(Precompressed, BrotliPreferred) {
  auto rec = get("/app.js", {{"Accept-Encoding", "gzip, deflate, br"}});
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(rec->body(), "BROTLI-BYTES");
  EXPECT_EQ(header(*rec, "Content-Encoding"), "br");
  EXPECT_EQ(header(*rec, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(*rec, "Content-Length"), "12");
  EXPECT_EQ(header(*rec, "Vary"), "Accept-Encoding");
}

TEST_F(Precompressed, GzipWhenBrotliRefused) {
  auto rec = get("/app.js", {{"Accept-Encoding", "br;q=0, gzip"}});
  EXPECT_EQ(rec->body(), "GZIP-BYTES");
  EXPECT_EQ(header(*rec, "Content-Encoding"), "gzip");
}

TEST_F(Precompressed, IdentityWithoutAcceptEncodingStillVaries) {
  auto rec = get("/app.js", {});
  EXPECT_EQ(rec->body(), "console.log('identity');\n");
  EXPECT_TRUE(header(*rec, "Content-Encoding").empty());
  EXPECT_EQ(header(*rec, "Vary"), "Accept-Encoding");
  auto json = get("/data.json", {{"Accept-Encoding", "gzip"}});  // no sibling
  EXPECT_EQ(json->body(), "{}");
  EXPECT_EQ(header(*json, "Vary"), "Accept-Encoding");
}

TEST_F(Precompressed, VariantsHaveTheirOwnETags) {
  std::string identity = header(*get("/app.js", {}), "ETag");
  std::string br = header(*get("/app.js", {{"Accept-Encoding", "br"}}), "ETag");
  EXPECT_NE(identity, br);
  auto revalidate = get("/app.js", {{"Accept-Encoding", "br"}, {"If-None-Match", br}});
  EXPECT_EQ(revalidate->code(), 304);
  EXPECT_EQ(header(*revalidate, "Vary"), "Accept-Encoding");
  EXPECT_EQ(get("/app.js", {{"If-None-Match", br}})->code(), 200);  // identity differs
}

TEST_F(Precompressed, RangesComeFromTheIdentityFile) {
  auto rec = get("/app.js", {{"Accept-Encoding", "br, gzip"}, {"Range", "bytes=0-6"}});
  EXPECT_EQ(rec->code(), 206);
  EXPECT_EQ(rec->body(), "console");
  EXPECT_TRUE(header(*rec, "Content-Encoding").empty());
  EXPECT_EQ(header(*rec, "Vary"), "Accept-Encoding");
}

TEST_F(Precompressed, SameMtimeSiblingIsFreshOlderIsStale) {
  EXPECT_EQ(get("/style.css", {{"Accept-Encoding", "gzip"}})->body(), "GZ-CSS");
  auto stale = get("/old.txt", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(stale->body(), "new text\n");
  EXPECT_TRUE(header(*stale, "Content-Encoding").empty());
}

TEST_F(Precompressed, OnlyCompressibleTypesAndRegularSiblings) {
  auto png = get("/photo.png", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(png->body(), "PNG");
  EXPECT_TRUE(header(*png, "Vary").empty());
  auto dir = get("/dir.js", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(dir->body(), "dir-sibling");
  EXPECT_TRUE(header(*dir, "Content-Encoding").empty());
}

TEST_F(Precompressed, SiblingRequestedByNameIsPlainGzip) {
  auto rec = get("/app.js.gz", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(rec->body(), "GZIP-BYTES");
  EXPECT_EQ(header(*rec, "Content-Type"), "application/gzip");
  EXPECT_TRUE(header(*rec, "Content-Encoding").empty());
}

TEST_F(Precompressed, OptionOff) {
  FileServerOptions o;
  o.precompressed = false;
  auto rec = get("/app.js", {{"Accept-Encoding", "br, gzip"}}, o);
  EXPECT_EQ(rec->body(), "console.log('identity');\n");
  EXPECT_TRUE(header(*rec, "Vary").empty());
  EXPECT_TRUE(header(*rec, "Content-Encoding").empty());
}

}  // namespace
}  // namespace nethttp
