// serve_content() from memory and from a file slice, multipart/byteranges layout, and
// serve_file() with a caller-chosen path.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>

#include "fs/content.hpp"
#include "fs/http_date.hpp"
#include "nethttp/file_server.hpp"
#include "nethttp/testing.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

namespace fs = std::filesystem;
using Hdrs = std::initializer_list<std::pair<std::string_view, std::string_view>>;

constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz";
constexpr std::time_t kModified = 1700000000;  // Tue, 14 Nov 2023 22:13:20 GMT

Request make(std::string_view method, Hdrs headers) {
  Request r(method, "/letters.txt");
  for (auto& [n, v] : headers) r.headers().add(n, v);
  return r;
}

std::unique_ptr<testing::ResponseRecorder> serve_memory(std::string_view method, Hdrs headers,
                                                        std::string_view etag = {}) {
  Request r = make(method, headers);
  auto rec = std::make_unique<testing::ResponseRecorder>();
  if (!etag.empty()) rec->headers().set("ETag", etag);
  serve_content(*rec, r, "letters.txt", kModified, kAlphabet);
  rec->finish();
  return rec;
}

std::string header(const testing::ResponseRecorder& rec, std::string_view name) {
  return std::string(rec.header_map().get(name));
}

// Part is one part of a multipart/byteranges body.
struct Part {
  std::map<std::string, std::string> headers;
  std::string body;
};

// parse_multipart splits body at boundary the way a client would (RFC 2046), failing the
// test on any layout error.
std::vector<Part> parse_multipart(const std::string& body, const std::string& boundary) {
  std::vector<Part> parts;
  const std::string delim = "--" + boundary;
  std::size_t pos = body.find(delim);
  EXPECT_EQ(pos, 0u) << "body must start with the first delimiter";
  while (pos != std::string::npos) {
    pos += delim.size();
    if (body.compare(pos, 2, "--") == 0) {
      EXPECT_EQ(body.substr(pos), "--\r\n");
      return parts;
    }
    EXPECT_EQ(body.compare(pos, 2, "\r\n"), 0);
    pos += 2;
    Part part;
    for (;;) {
      std::size_t eol = body.find("\r\n", pos);
      if (eol == std::string::npos) {
        ADD_FAILURE() << "unterminated part header";
        return parts;
      }
      if (eol == pos) {
        pos += 2;
        break;
      }
      std::string line = body.substr(pos, eol - pos);
      std::size_t colon = line.find(": ");
      part.headers[line.substr(0, colon)] = line.substr(colon + 2);
      pos = eol + 2;
    }
    std::size_t next = body.find("\r\n" + delim, pos);
    if (next == std::string::npos) {
      ADD_FAILURE() << "missing delimiter after part";
      return parts;
    }
    part.body = body.substr(pos, next - pos);
    parts.push_back(std::move(part));
    pos = next + 2;
  }
  return parts;
}

std::string boundary_of(std::string_view content_type) {
  constexpr std::string_view kKey = "boundary=";
  std::size_t at = content_type.find(kKey);
  return at == std::string_view::npos ? std::string() : std::string(content_type.substr(at + kKey.size()));
}

TEST(ServeContent, WholeContentWithTypeAndLastModified) {
  auto rec = serve_memory("GET", {});
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(rec->body(), kAlphabet);
  EXPECT_EQ(header(*rec, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(header(*rec, "Content-Length"), "26");
  EXPECT_EQ(header(*rec, "Last-Modified"), "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(header(*rec, "Accept-Ranges"), "bytes");
  EXPECT_TRUE(header(*rec, "ETag").empty());
}

TEST(ServeContent, CallerContentTypeAndETagWin) {
  Request r = make("GET", {{"If-None-Match", "\"v1\""}});
  testing::ResponseRecorder rec;
  rec.headers().set("Content-Type", "application/x-custom");
  rec.headers().set("ETag", "\"v1\"");
  serve_content(rec, r, "letters.txt", 0, kAlphabet);
  rec.finish();
  EXPECT_EQ(rec.code(), 304);
  EXPECT_EQ(header(rec, "ETag"), "\"v1\"");

  Request plain = make("GET", {});
  testing::ResponseRecorder rec2;
  rec2.headers().set("Content-Type", "application/x-custom");
  serve_content(rec2, plain, "letters.txt", 0, kAlphabet);
  rec2.finish();
  EXPECT_EQ(header(rec2, "Content-Type"), "application/x-custom");
  EXPECT_TRUE(header(rec2, "Last-Modified").empty());  // modtime 0: unknown
}

TEST(ServeContent, UnknownNameIsOctetStream) {
  Request r = make("GET", {});
  testing::ResponseRecorder rec;
  serve_content(rec, r, "blob", kModified, kAlphabet);
  rec.finish();
  EXPECT_EQ(header(rec, "Content-Type"), "application/octet-stream");
}

TEST(ServeContent, ConditionalsOnDates) {
  EXPECT_EQ(serve_memory("GET", {{"If-Modified-Since", "Tue, 14 Nov 2023 22:13:20 GMT"}})->code(), 304);
  EXPECT_EQ(serve_memory("GET", {{"If-Modified-Since", "Tue, 14 Nov 2023 22:13:19 GMT"}})->code(), 200);
  EXPECT_EQ(serve_memory("GET", {{"If-Unmodified-Since", "Tue, 14 Nov 2023 22:13:19 GMT"}})->code(), 412);
  EXPECT_EQ(serve_memory("PUT", {{"If-None-Match", "*"}})->code(), 412);
  auto nm = serve_memory("GET", {{"If-None-Match", "\"t\""}}, "\"t\"");
  EXPECT_EQ(nm->code(), 304);
  EXPECT_EQ(nm->body(), "");
  EXPECT_TRUE(header(*nm, "Content-Type").empty());
  EXPECT_EQ(header(*nm, "Last-Modified"), "Tue, 14 Nov 2023 22:13:20 GMT");
}

TEST(ServeContent, SingleRanges) {
  auto rec = serve_memory("GET", {{"Range", "bytes=2-4"}});
  EXPECT_EQ(rec->code(), 206);
  EXPECT_EQ(rec->body(), "cde");
  EXPECT_EQ(header(*rec, "Content-Range"), "bytes 2-4/26");
  EXPECT_EQ(header(*rec, "Content-Length"), "3");
  EXPECT_EQ(serve_memory("GET", {{"Range", "bytes=-3"}})->body(), "xyz");
  EXPECT_EQ(serve_memory("GET", {{"Range", "bytes=23-"}})->body(), "xyz");
  // Range applies to GET and HEAD only.
  auto post = serve_memory("POST", {{"Range", "bytes=2-4"}});
  EXPECT_EQ(post->code(), 200);
  EXPECT_EQ(post->body(), kAlphabet);
}

TEST(ServeContent, UnsatisfiableRange) {
  auto rec = serve_memory("GET", {{"Range", "bytes=26-"}});
  EXPECT_EQ(rec->code(), 416);
  EXPECT_EQ(header(*rec, "Content-Range"), "bytes */26");
  EXPECT_EQ(header(*rec, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_TRUE(header(*rec, "Last-Modified").empty());
}

TEST(ServeContent, MultipartByteranges) {
  auto rec = serve_memory("GET", {{"Range", "bytes=0-1, 5-7, -2"}});
  EXPECT_EQ(rec->code(), 206);
  std::string type = header(*rec, "Content-Type");
  ASSERT_TRUE(type.starts_with("multipart/byteranges; boundary=")) << type;
  std::string boundary = boundary_of(type);
  EXPECT_EQ(boundary.size(), 32u);
  EXPECT_TRUE(header(*rec, "Content-Range").empty());
  EXPECT_EQ(header(*rec, "Content-Length"), std::to_string(rec->body().size()));
  std::vector<Part> parts = parse_multipart(rec->body(), boundary);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].body, "ab");
  EXPECT_EQ(parts[0].headers["Content-Range"], "bytes 0-1/26");
  EXPECT_EQ(parts[0].headers["Content-Type"], "text/plain; charset=utf-8");
  EXPECT_EQ(parts[1].body, "fgh");
  EXPECT_EQ(parts[1].headers["Content-Range"], "bytes 5-7/26");
  EXPECT_EQ(parts[2].body, "yz");
  EXPECT_EQ(parts[2].headers["Content-Range"], "bytes 24-25/26");

  // Boundaries differ between responses.
  auto again = serve_memory("GET", {{"Range", "bytes=0-1,5-7"}});
  EXPECT_NE(boundary_of(header(*again, "Content-Type")), boundary);

  // HEAD: same headers, no body.
  auto head = serve_memory("HEAD", {{"Range", "bytes=0-1, 5-7, -2"}});
  EXPECT_EQ(head->code(), 206);
  EXPECT_EQ(head->body(), "");
  EXPECT_EQ(header(*head, "Content-Length"), header(*rec, "Content-Length"));
}

TEST(MultipartPlan, LengthMatchesTheBytesWritten) {
  std::vector<detail::ByteRange> ranges{{0, 10}, {100, 1}, {50, 7}};
  detail::MultipartPlan plan = detail::plan_multipart(ranges, 1000, "image/png", "B0UND");
  std::uint64_t total = plan.trailer.size();
  for (std::size_t i = 0; i < ranges.size(); ++i) total += plan.part_headers[i].size() + ranges[i].length;
  EXPECT_EQ(plan.content_length, total);
  EXPECT_EQ(plan.part_headers[0], "--B0UND\r\nContent-Type: image/png\r\nContent-Range: bytes 0-9/1000\r\n\r\n");
  EXPECT_EQ(plan.part_headers[1],
            "\r\n--B0UND\r\nContent-Type: image/png\r\nContent-Range: bytes 100-100/1000\r\n\r\n");
  EXPECT_EQ(plan.trailer, "\r\n--B0UND--\r\n");
  detail::MultipartPlan untyped = detail::plan_multipart(ranges, 1000, "", "B");
  EXPECT_EQ(untyped.part_headers[0], "--B\r\nContent-Range: bytes 0-9/1000\r\n\r\n");
}

TEST(MultipartPlan, BoundariesAreRandomHex) {
  std::string a = detail::random_boundary(), b = detail::random_boundary();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

// TempFile holds a file of known content for the FileSlice overload and serve_file.
class TempFile {
 public:
  explicit TempFile(std::string_view content) {
    std::ofstream(path(), std::ios::binary) << content;
    fs::create_directories(dir_ / "site");
    std::ofstream(dir_ / "site" / "index.html", std::ios::binary) << "<p>index</p>";
  }
  [[nodiscard]] fs::path path() const { return dir_ / "data.bin"; }
  [[nodiscard]] fs::path dir() const { return dir_; }

 private:
  test::TempDir tmp_{"nethttp-fsc"};  // removed with everything in it
  fs::path dir_ = tmp_.path();
};

TEST(ServeContent, FileSliceIsServedFromItsOffset) {
  TempFile f("0123456789ABCDEFGHIJ");
  auto fd = std::make_shared<const UniqueFd>(::open(f.path().c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd->valid());
  Request r = make("GET", {});
  testing::ResponseRecorder whole;
  serve_content(whole, r, "slice.txt", kModified, FileSlice{fd, 10, 10});
  whole.finish();
  EXPECT_EQ(whole.code(), 200);
  EXPECT_EQ(whole.body(), "ABCDEFGHIJ");
  EXPECT_EQ(header(whole, "Content-Length"), "10");

  Request ranged = make("GET", {{"Range", "bytes=2-3,8-"}});
  testing::ResponseRecorder parts;
  serve_content(parts, ranged, "slice.txt", kModified, FileSlice{fd, 10, 10});
  parts.finish();
  EXPECT_EQ(parts.code(), 206);
  std::vector<Part> got = parse_multipart(parts.body(), boundary_of(header(parts, "Content-Type")));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].body, "CD");
  EXPECT_EQ(got[0].headers["Content-Range"], "bytes 2-3/10");
  EXPECT_EQ(got[1].body, "IJ");
}

TEST(ServeFile, ServesTheCallersPath) {
  TempFile f("0123456789");
  Request r("GET", "/download");
  auto rec = std::make_unique<testing::ResponseRecorder>();
  serve_file(*rec, r, f.path().string());
  rec->finish();
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(rec->body(), "0123456789");
  EXPECT_EQ(header(*rec, "Content-Type"), "application/octet-stream");
  EXPECT_FALSE(header(*rec, "ETag").empty());

  Request missing("GET", "/download");
  testing::ResponseRecorder m;
  serve_file(m, missing, (f.dir() / "nope").string());
  m.finish();
  EXPECT_EQ(m.code(), 404);

  Request dotdot("GET", "/a/../download");
  testing::ResponseRecorder d;
  serve_file(d, dotdot, f.path().string());
  d.finish();
  EXPECT_EQ(d.code(), 400);

  Request post("POST", "/download");
  testing::ResponseRecorder p;
  serve_file(p, post, f.path().string());
  p.finish();
  EXPECT_EQ(p.code(), 405);
}

TEST(ServeFile, DirectoriesRedirectAndServeTheirIndex) {
  TempFile f("x");
  Request no_slash("GET", "/site");
  testing::ResponseRecorder a;
  serve_file(a, no_slash, (f.dir() / "site").string());
  a.finish();
  EXPECT_EQ(a.code(), 301);
  EXPECT_EQ(header(a, "Location"), "./site/");

  Request slash("GET", "/site/");
  testing::ResponseRecorder b;
  serve_file(b, slash, (f.dir() / "site").string());
  b.finish();
  EXPECT_EQ(b.code(), 200);
  EXPECT_EQ(b.body(), "<p>index</p>");
}

}  // namespace
}  // namespace nethttp
