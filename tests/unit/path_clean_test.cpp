// Request-path sanitizing for ServeMux: canonical_path, strip_host_port, segment unescaping
// and the segment walk the router uses.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "router/path_clean.hpp"

namespace nethttp::detail {
namespace {

TEST(PathClean, CanonicalPath) {
  struct Case {
    std::string_view in, want;
  };
  for (const Case& c : {
           Case{"", "/"},
           Case{"/", "/"},
           Case{"abc", "/abc"},
           Case{"/abc", "/abc"},
           Case{"/abc/", "/abc/"},
           Case{"//", "/"},
           Case{"///a", "/a"},
           Case{"/a//b", "/a/b"},
           Case{"/a/b//", "/a/b/"},
           Case{"/a/./b", "/a/b"},
           Case{"/./", "/"},
           Case{"/.", "/"},
           Case{"/a/.", "/a"},
           Case{"/a/./", "/a/"},
           Case{"/a/../b", "/b"},
           Case{"/a/..", "/"},
           Case{"/a/../", "/"},
           Case{"/a/b/..", "/a"},
           Case{"/a/b/../", "/a/"},
           Case{"/..", "/"},
           Case{"/../a", "/a"},
           Case{"/../../a/", "/a/"},
           Case{"/abc/def/../../..", "/"},
           Case{"/abc//./../def", "/def"},
           Case{"/...", "/..."},
           Case{"/a/..b/.c", "/a/..b/.c"},
           // Escapes are not decoded: "%2e%2e" is an ordinary element, as in Go.
           Case{"/%2e%2e/a", "/%2e%2e/a"},
           Case{"/a%2F..%2Fb", "/a%2F..%2Fb"},
       }) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(canonical_path(c.in), c.want);
    EXPECT_EQ(is_canonical_path(c.in), c.in == c.want);
  }
}

// Every string over {'/', '.', 'a'} up to length 8: is_canonical_path must agree with
// canonical_path, and canonical_path must be idempotent and produce a canonical path.
TEST(PathClean, IsCanonicalAgreesWithCanonicalPathExhaustively) {
  std::vector<std::string> all{""};
  std::size_t begin = 0;
  for (int len = 1; len <= 8; ++len) {
    std::size_t end = all.size();
    for (std::size_t i = begin; i < end; ++i) {
      for (char c : {'/', '.', 'a'}) all.push_back(all[i] + c);
    }
    begin = end;
  }
  ASSERT_EQ(all.size(), 9841u);  // 1 + 3 + ... + 3^8
  for (const std::string& p : all) {
    std::string clean = canonical_path(p);
    ASSERT_EQ(is_canonical_path(p), clean == p) << '"' << p << "\" cleans to \"" << clean << '"';
    ASSERT_TRUE(is_canonical_path(clean)) << p;
    ASSERT_EQ(canonical_path(clean), clean) << p;
    ASSERT_EQ(clean.front(), '/');
    ASSERT_EQ(clean.find("//"), std::string::npos) << p;
  }
}

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
           Case{"[::1]", "[::1]"},          // no port: unchanged, as Go
           Case{"[::1]:80:90", "[::1]:80:90"},
           Case{"::1", "::1"},              // bare IPv6 does not split
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
