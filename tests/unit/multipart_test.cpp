// MultipartParser: parts, headers and data at every split of the input, limits, bad framing.
#include "nethttp/multipart.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nethttp {
namespace {

struct Seen {
  std::string name, filename, content_type, data;
  bool file = false;
  bool ended = false;
};

// Collector runs a parser over input split at the given points and records what it saw.
struct Collector {
  std::vector<Seen> parts;
  MultipartError error = MultipartError::None;

  void run(std::string_view boundary, std::string_view input, const std::vector<std::size_t>& splits,
           MultipartLimits limits = {}) {
    MultipartParser p(boundary, limits);
    p.on_part_begin = [&](const MultipartPart& part) {
      parts.push_back({part.name, part.filename, part.content_type, {}, part.is_file(), false});
    };
    p.on_part_data = [&](std::string_view d) {
      ASSERT_FALSE(d.empty());
      ASSERT_FALSE(parts.empty());
      parts.back().data.append(d);
    };
    p.on_part_end = [&] { parts.back().ended = true; };
    std::size_t at = 0;
    for (std::size_t s : splits) {
      if ((error = p.feed(input.substr(at, s - at))) != MultipartError::None) return;
      at = s;
    }
    if ((error = p.feed(input.substr(at))) != MultipartError::None) return;
    error = p.finish();
  }
};

const std::string kBody =
    "preamble to ignore\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n"
    "\r\n"
    "Hello, world\r\n"
    "--XyZ  \r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "line one\r\n--XyZnot a boundary? no: \r\n-- still data\r\nend\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=empty\r\n"
    "\r\n"
    "\r\n"
    "--XyZ--\r\n"
    "epilogue";

void expect_standard(const Collector& c) {
  ASSERT_EQ(c.error, MultipartError::None);
  ASSERT_EQ(c.parts.size(), 3u);
  EXPECT_EQ(c.parts[0].name, "title");
  EXPECT_FALSE(c.parts[0].file);
  EXPECT_EQ(c.parts[0].data, "Hello, world");
  EXPECT_EQ(c.parts[1].name, "file");
  EXPECT_TRUE(c.parts[1].file);
  EXPECT_EQ(c.parts[1].filename, "a \"b\".txt");
  EXPECT_EQ(c.parts[1].content_type, "text/plain");
  EXPECT_EQ(c.parts[1].data, "line one\r\n--XyZnot a boundary? no: \r\n-- still data\r\nend");
  EXPECT_EQ(c.parts[2].name, "empty");
  EXPECT_EQ(c.parts[2].data, "");
  for (const Seen& s : c.parts) EXPECT_TRUE(s.ended);
}

TEST(Multipart, WholeInput) {
  Collector c;
  c.run("XyZ", kBody, {});
  expect_standard(c);
}

// A delimiter followed by anything but "--" or padding and CRLF is data (as Go reads it).
TEST(Multipart, DelimiterLookalikeInsideDataIsData) {
  Collector c;
  c.run("B", "--B\r\n\r\nabc\r\n--Bx\r\n--B -\r\n--B--", {});
  ASSERT_EQ(c.error, MultipartError::None);
  ASSERT_EQ(c.parts.size(), 1u);
  EXPECT_EQ(c.parts[0].data, "abc\r\n--Bx\r\n--B -");
}

TEST(Multipart, EverySplitPoint) {
  for (std::size_t i = 0; i <= kBody.size(); ++i) {
    Collector c;
    c.run("XyZ", kBody, {i});
    SCOPED_TRACE("split at " + std::to_string(i));
    expect_standard(c);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(Multipart, EveryPairOfSplitPoints) {
  for (std::size_t i = 0; i <= kBody.size(); i += 3) {
    for (std::size_t j = i; j <= kBody.size(); ++j) {
      Collector c;
      c.run("XyZ", kBody, {i, j});
      SCOPED_TRACE("split at " + std::to_string(i) + " and " + std::to_string(j));
      expect_standard(c);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(Multipart, ByteByByte) {
  std::vector<std::size_t> splits;
  for (std::size_t i = 1; i < kBody.size(); ++i) splits.push_back(i);
  Collector c;
  c.run("XyZ", kBody, splits);
  expect_standard(c);
}

TEST(Multipart, BoundaryAtTheVeryStart) {
  Collector c;
  c.run("b", "--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b--", {});
  ASSERT_EQ(c.error, MultipartError::None);
  ASSERT_EQ(c.parts.size(), 1u);
  EXPECT_EQ(c.parts[0].data, "1");
}

TEST(Multipart, TruncatedBodyIsMalformed) {
  for (std::string_view cut : {"", "--b\r\n", "--b\r\nContent-Disposition: form-data; name=x\r\n",
                               "--b\r\nContent-Disposition: form-data; name=x\r\n\r\nabc",
                               "--b\r\nContent-Disposition: form-data; name=x\r\n\r\nabc\r\n--b"}) {
    Collector c;
    c.run("b", cut, {});
    EXPECT_EQ(c.error, MultipartError::Malformed) << cut;
  }
}

TEST(Multipart, BadHeaderLinesAreMalformed) {
  for (std::string_view head :
       {"no colon here", " folded: value", "Bad Name: x", "Content-Disposition: form-data; name=\"unterminated",
        "Content-Disposition: form-data; name"}) {
    Collector c;
    c.run("b", "--b\r\n" + std::string(head) + "\r\n\r\nx\r\n--b--", {});
    EXPECT_EQ(c.error, MultipartError::Malformed) << head;
  }
}

// A boundary look-alike followed by junk is not a boundary: here it is preamble, so the
// body holds no part; without a real close delimiter it would be truncated (Malformed).
TEST(Multipart, JunkAfterBoundaryIsNotABoundary) {
  Collector c;
  c.run("b", "--b junk\r\n\r\nx\r\n--b--", {});
  EXPECT_EQ(c.error, MultipartError::None);
  EXPECT_TRUE(c.parts.empty());
  Collector cut;
  cut.run("b", "--b junk\r\n\r\nx\r\n", {});
  EXPECT_EQ(cut.error, MultipartError::Malformed);
}

TEST(Multipart, PartCountLimit) {
  std::string body;
  for (int i = 0; i < 5; ++i) body += "--b\r\nContent-Disposition: form-data; name=f\r\n\r\nv\r\n";
  body += "--b--";
  Collector ok;
  ok.run("b", body, {}, {.max_parts = 5});
  EXPECT_EQ(ok.error, MultipartError::None);
  Collector over;
  over.run("b", body, {}, {.max_parts = 4});
  EXPECT_EQ(over.error, MultipartError::TooManyParts);
  EXPECT_EQ(status_for(MultipartError::TooManyParts), 413);
}

TEST(Multipart, HeaderSizeLimit) {
  const std::string big(200, 'a');
  const std::string body = "--b\r\nX-Big: " + big + "\r\n\r\nv\r\n--b--";
  Collector ok;
  ok.run("b", body, {}, {.max_header_bytes = 300});
  EXPECT_EQ(ok.error, MultipartError::None);
  for (std::size_t split : {std::size_t{0}, std::size_t{20}, std::size_t{150}}) {
    Collector over;
    over.run("b", body, {split}, {.max_header_bytes = 100});
    EXPECT_EQ(over.error, MultipartError::HeaderTooLarge) << split;
  }
}

// A header block of exactly max_header_bytes is accepted however the input is split, even
// when a split leaves part of the blank line that ends it unread (found by fuzz_multipart).
TEST(Multipart, HeaderAtTheLimitAtEverySplit) {
  const std::string head = "X-A: " + std::string(45, 'a');  // 50 bytes
  const std::string body = "--b\r\n" + head + "\r\n\r\nv\r\n--b--";
  for (std::size_t i = 0; i <= body.size(); ++i) {
    Collector c;
    c.run("b", body, {i}, {.max_header_bytes = 50});
    EXPECT_EQ(c.error, MultipartError::None) << "split at " << i;
  }
  Collector over;
  over.run("b", body, {}, {.max_header_bytes = 49});
  EXPECT_EQ(over.error, MultipartError::HeaderTooLarge);
}

TEST(Multipart, LargeFilePartStreamsInBoundedPieces) {
  const std::string payload(1 << 20, 'z');
  const std::string body =
      "--bb\r\nContent-Disposition: form-data; name=f; filename=x.bin\r\n\r\n" + payload + "\r\n--bb--\r\n";
  MultipartParser p("bb");
  std::size_t total = 0, biggest = 0;
  p.on_part_data = [&](std::string_view d) {
    total += d.size();
    biggest = std::max(biggest, d.size());
  };
  for (std::size_t at = 0; at < body.size(); at += 4096) {
    ASSERT_EQ(p.feed(std::string_view(body).substr(at, 4096)), MultipartError::None);
  }
  EXPECT_EQ(p.finish(), MultipartError::None);
  EXPECT_EQ(total, payload.size());
  EXPECT_LE(biggest, 4096u + 8u);
}

TEST(Multipart, BoundaryFromContentType) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data;boundary=\"a b:c\""), "a b:c");
  EXPECT_EQ(multipart_boundary("multipart/form-data; charset=utf-8; boundary=----x"), "----x");
  EXPECT_EQ(multipart_boundary("multipart/mixed; boundary=abc"), "");
  EXPECT_EQ(multipart_boundary("multipart/form-data"), "");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary="), "");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')), "");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"bad\x01\""), "");
  EXPECT_EQ(multipart_boundary("text/plain"), "");
}

}  // namespace
}  // namespace nethttp
