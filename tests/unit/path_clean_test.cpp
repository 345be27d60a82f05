// Request-path sanitizing for ServeMux: strip_host_port, segment unescaping and the segment
// walk the router uses. canonical_path and is_canonical_path (core/url_path.hpp) are tested
// with the other path-cleaning rules in core_helpers_test.cpp.

#include "router/path_clean.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nethttp::detail {
namespace {

TEST(PathClean, StripHostPort) {
  struct Case {
    std::string_view in, want;
  };
  for (const Case& c : {
           Case{"", ""},
           Case{"example.com", "example.com"},
           Case{"example.com:8080", "example.com"},
           Case{"example.com:", "example.com"},
           Case{"127.0.0.1:80", "127.0.0.1"},
           Case{"[::1]:8080", "::1"},
           Case{"[::1]", "[::1]"},  // no port: unchanged, as Go
           Case{"[::1]:80:90", "[::1]:80:90"},
           Case{"::1", "::1"},  // bare IPv6 does not split
           Case{"a:b:c", "a:b:c"},
       }) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(strip_host_port(c.in), c.want);
  }
}

TEST(PathClean, SegmentUnescaper) {
  SegmentUnescaper u;
  std::string_view plain = "plain-segment";
  EXPECT_EQ(u.decode(plain).data(), plain.data()) << "no escape: no copy";
  EXPECT_EQ(u.decode("%41b%63"), "Abc");
  EXPECT_EQ(u.decode("a%2Fb"), "a/b");
  EXPECT_EQ(u.decode("a%2fb"), "a/b");
  EXPECT_EQ(u.decode("100%25"), "100%");
  EXPECT_EQ(u.decode("a+b"), "a+b") << "'+' is not a space in paths";
  // Malformed escapes leave the segment as it is (Go's pathUnescape).
  EXPECT_EQ(u.decode("%zz"), "%zz");
  EXPECT_EQ(u.decode("a%4"), "a%4");
  EXPECT_EQ(u.decode("%"), "%");
  // Longer than the inline buffer: still decoded, through the heap.
  std::string long_raw, long_want;
  for (int i = 0; i < 200; ++i) {
    long_raw += "x%20";
    long_want += "x ";
  }
  EXPECT_EQ(u.decode(long_raw), long_want);
  EXPECT_EQ(unescape_segment("a%2Fb%20c"), "a/b c");
  EXPECT_EQ(unescape_segment("%G1"), "%G1");
}

std::vector<std::string> walk(std::string_view path, bool extra_slash) {
  std::vector<std::string> out;
  for (int guard = 0; guard < 100; ++guard) {
    PathStep s = next_step(path, extra_slash);
    if (s.kind == PathStep::Kind::end) return out;
    out.push_back(s.kind == PathStep::Kind::trailing_slash ? "<slash>" : std::string(s.segment));
    path = s.rest;
    extra_slash = s.rest_extra_slash;
  }
  ADD_FAILURE() << "walk did not end";
  return out;
}

TEST(PathClean, NextStepWalksSegments) {
  using V = std::vector<std::string>;
  EXPECT_EQ(walk("/a/b/c", false), (V{"a", "b", "c"}));
  EXPECT_EQ(walk("/a/b/", false), (V{"a", "b", "<slash>"}));
  EXPECT_EQ(walk("/", false), (V{"<slash>"}));
  EXPECT_EQ(walk("", false), V{});
  EXPECT_EQ(walk("/a%2Fb/c", false), (V{"a%2Fb", "c"})) << "escaped slash is not a separator";
  EXPECT_EQ(walk("/a//b", false), (V{"a", "", "b"}));
  EXPECT_EQ(walk("//", false), (V{"", "<slash>"}));
  // extra_slash walks the path as if '/' were appended.
  EXPECT_EQ(walk("/a/b", true), (V{"a", "b", "<slash>"}));
  EXPECT_EQ(walk("", true), (V{"<slash>"}));
  EXPECT_EQ(walk("/", true), (V{"", "<slash>"}));
  // escaped tells the router which segments need unescaping.
  EXPECT_TRUE(next_step("/a%20b/c", false).escaped);
  EXPECT_FALSE(next_step("/ab/c%20", false).escaped);
}

}  // namespace
}  // namespace nethttp::detail
