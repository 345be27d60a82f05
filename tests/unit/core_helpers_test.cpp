// The text helpers the router, file server and middleware share (src/core/): path cleaning
// (url_path.hpp).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/url_path.hpp"

namespace nethttp::detail {
namespace {

// ---- url_path -------------------------------------------------------------------------------

TEST(CoreCleanPath, MatchesGoPathClean) {
  struct Case {
    std::string_view in, want;
  };
  for (const Case& c : {
           // Already clean (Go's path_test.go cleantests, then ours).
           Case{"", "."},
           Case{"abc", "abc"},
           Case{"abc/def", "abc/def"},
           Case{".", "."},
           Case{"..", ".."},
           Case{"../..", "../.."},
           Case{"../../abc", "../../abc"},
           Case{"/abc", "/abc"},
           Case{"/", "/"},
           // Trailing slashes go.
           Case{"abc/", "abc"},
           Case{"./", "."},
           Case{"../", ".."},
           Case{"/abc/", "/abc"},
           // Doubled slashes collapse.
           Case{"abc//def//ghi", "abc/def/ghi"},
           Case{"//abc", "/abc"},
           Case{"//abc//", "/abc"},
           Case{"//a//b/", "/a/b"},
           // "." elements go.
           Case{"abc/./def", "abc/def"},
           Case{"/./abc/def", "/abc/def"},
           Case{"abc/.", "abc"},
           // ".." removes the element before it.
           Case{"abc/def/ghi/../jkl", "abc/def/jkl"},
           Case{"abc/def/../ghi/../jkl", "abc/jkl"},
           Case{"abc/def/../..", "."},
           Case{"/a/./b/../c", "/a/c"},
           // ".." above the root stays at the root; a relative path keeps leading "..".
           Case{"/..", "/"},
           Case{"/../../a", "/a"},
           Case{"/abc/def/../../..", "/"},
           Case{"a/../..", ".."},
           Case{"abc/def/../../..", ".."},
           Case{"../a/b/../../..", "../.."},
           Case{"abc/def/../../../ghi/jkl/../../../mno", "../../mno"},
           Case{"abc/../../././../def", "../../def"},
           Case{"abc//./../def", "def"},
           // Not "." or "..": ordinary elements.
           Case{"/.../a", "/.../a"},
           Case{"/a/..b/.c", "/a/..b/.c"},
           // Escapes are not decoded: "%2e%2e" is an element, "%2F" a byte within one.
           Case{"/%2e%2e/a", "/%2e%2e/a"},
           Case{"/a%2Fb/..", "/"},
           Case{"/a%2F..%2Fb", "/a%2F..%2Fb"},
       }) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(clean_path(c.in), c.want);
  }
}

TEST(CoreCleanPath, CanonicalPathRootsAndKeepsTrailingSlash) {
  struct Case {
    std::string_view in, want;
  };
  for (const Case& c : {
           Case{"", "/"},  // clean_path says "."
           Case{"/", "/"},
           Case{"abc", "/abc"},
           Case{"a/b/", "/a/b/"},
           Case{".", "/"},
           Case{"..", "/"},
           Case{"../a", "/a"},
           Case{"/abc", "/abc"},
           Case{"/abc/", "/abc/"},
           Case{"//", "/"},
           Case{"///a", "/a"},
           Case{"/a//b", "/a/b"},
           Case{"/a/b//", "/a/b/"},
           Case{"/a/./b", "/a/b"},
           Case{"/./", "/"},
           Case{"/.", "/"},
           Case{"/a/.", "/a"},  // no trailing slash in p: none in the result
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
           Case{"/a%2F/", "/a%2F/"},
       }) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(canonical_path(c.in), c.want);
    EXPECT_EQ(is_canonical_path(c.in), c.in == c.want);
  }
}

// Every string over {'/', '.', 'a'} up to length 8: clean_path's result is clean;
// canonical_path is clean_path of the rooted path plus the trailing-slash rule, is
// idempotent, and agrees with is_canonical_path (ServeMux's allocation-free check).
TEST(CoreCleanPath, RulesHoldExhaustively) {
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
    std::string clean = clean_path(p);
    ASSERT_EQ(clean_path(clean), clean) << '"' << p << '"';
    ASSERT_EQ(clean.find("//"), std::string::npos) << p;
    ASSERT_TRUE(clean == "/" || !clean.ends_with('/')) << p;
    ASSERT_EQ(clean.starts_with('/'), p.starts_with('/')) << p;

    std::string canonical = canonical_path(p);
    std::string want = clean_path("/" + p);
    if (p.ends_with('/') && want != "/") want.push_back('/');
    ASSERT_EQ(canonical, want) << '"' << p << '"';
    ASSERT_EQ(is_canonical_path(p), canonical == p) << '"' << p << "\" cleans to \"" << canonical << '"';
    ASSERT_TRUE(is_canonical_path(canonical)) << p;
    ASSERT_EQ(canonical_path(canonical), canonical) << p;
    ASSERT_EQ(canonical.front(), '/');
    ASSERT_EQ(canonical.find("//"), std::string::npos) << p;
  }
}

}  // namespace
}  // namespace nethttp::detail
