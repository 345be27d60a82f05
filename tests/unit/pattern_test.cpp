// Pattern parsing and the relationships between patterns that decide precedence and
// conflicts (Go 1.22's pattern.go rules).

#include "router/pattern.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "support/small_paths.hpp"

namespace nethttp::detail {
namespace {

Segment lit(std::string s) { return {SegmentKind::literal, std::move(s)}; }
Segment wild(std::string s) { return {SegmentKind::wildcard, std::move(s)}; }
Segment multi(std::string s = {}) { return {SegmentKind::multi, std::move(s)}; }
Segment dollar() { return {SegmentKind::end_slash, {}}; }

std::string show(const std::vector<Segment>& segs) {
  std::string out;
  for (const Segment& s : segs) {
    static constexpr std::string_view kKinds[] = {"lit", "wild", "multi", "dollar"};
    out += fmt::format("{}({}) ", kKinds[static_cast<int>(s.kind)], s.text);
  }
  return out;
}

TEST(Pattern, Parse) {
  struct Case {
    std::string_view in;
    std::string_view method, host;
    std::vector<Segment> segments;
  };
  const std::vector<Case> cases = {
      {"/", "", "", {multi()}},
      {"/a", "", "", {lit("a")}},
      {"/a/", "", "", {lit("a"), multi()}},
      {"/path/to/something", "", "", {lit("path"), lit("to"), lit("something")}},
      {"/{w1}/lit/{w2}", "", "", {wild("w1"), lit("lit"), wild("w2")}},
      {"/{w1}/lit/{w2}/", "", "", {wild("w1"), lit("lit"), wild("w2"), multi()}},
      {"example.com/", "", "example.com", {multi()}},
      {"GET /", "GET", "", {multi()}},
      {"POST example.com/foo/{w}", "POST", "example.com", {lit("foo"), wild("w")}},
      {"GET\t/tab", "GET", "", {lit("tab")}},
      {"GET   /spaces", "GET", "", {lit("spaces")}},
      {"/{$}", "", "", {dollar()}},
      {"DELETE example.com/a/{foo12}/{$}", "DELETE", "example.com", {lit("a"), wild("foo12"), dollar()}},
      {"/foo/{$}", "", "", {lit("foo"), dollar()}},
      {"/{a}/foo/{rest...}", "", "", {wild("a"), lit("foo"), multi("rest")}},
      {"/b/{bucket}/o/{objectname...}", "", "", {lit("b"), wild("bucket"), lit("o"), multi("objectname")}},
      {"/_x/{_y}/{z9}", "", "", {lit("_x"), wild("_y"), wild("z9")}},
      // Literals are unescaped segment by segment: "%2F" stays inside its segment.
      {"/a%2fb/100%25", "", "", {lit("a/b"), lit("100%")}},
      {"/%61", "", "", {lit("a")}},
      {"/a%zz", "", "", {lit("a%zz")}},  // a malformed escape is kept as written
      // Without a method (or with CONNECT) an unclean path is allowed; it can only match
      // CONNECT requests, whose paths are not cleaned.
      {"//", "", "", {lit(""), multi()}},
      {"/foo///./../bar", "", "", {lit("foo"), lit(""), lit(""), lit("."), lit(".."), lit("bar")}},
      {"a.com/foo//", "", "a.com", {lit("foo"), lit(""), multi()}},
      {"CONNECT /a//b", "CONNECT", "", {lit("a"), lit(""), lit("b")}},
      // Host names are stored in lower case.
      {"Example.COM/x", "", "example.com", {lit("x")}},
      // A method is any token; matching is case-sensitive, so "get" is its own method.
      {"get /", "get", "", {multi()}},
      {"M-SEARCH /", "M-SEARCH", "", {multi()}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    Pattern p = parse_pattern(c.in);
    EXPECT_EQ(p.str, c.in);
    EXPECT_EQ(p.method, c.method);
    EXPECT_EQ(p.host, c.host);
    EXPECT_EQ(p.segments, c.segments) << show(p.segments);
  }
}

TEST(Pattern, ParseErrors) {
  struct Case {
    std::string_view in, message;
  };
  for (const Case& c : {
           Case{"", "empty pattern"},
           Case{"A=B /", "at offset 0: invalid method \"A=B\""},
           Case{"G(ET /", "invalid method"},
           Case{" ", "at offset 1: host/path missing /"},
           Case{"GET \t ", "at offset 4: host/path missing /"},
           Case{"GET", "at offset 0: host/path missing /"},
           Case{"GET example.com", "at offset 4: host/path missing /"},
           Case{"/{w}x", "at offset 1: bad wildcard segment (must end with '}')"},
           Case{"/x{w}", "at offset 1: bad wildcard segment (must start with '{')"},
           Case{"/a/b_{bucket}", "at offset 3: bad wildcard segment (must start with '{')"},
           Case{"/{wx", "bad wildcard segment (must end with '}')"},
           Case{"/{a$}", "bad wildcard name \"a$\""},
           Case{"/{1x}", "bad wildcard name \"1x\""},
           Case{"/{a-b}", "bad wildcard name \"a-b\""},
           Case{"/{x}{y}", "bad wildcard name \"x}{y\""},
           Case{"/{}", "empty wildcard"},
           Case{"/{...}", "empty wildcard"},
           Case{"/{$...}", "bad wildcard name \"$\""},
           Case{"/{$}/", "{$} not at end"},
           Case{"/{$}/x", "at offset 1: {$} not at end"},
           Case{"/{a...}/", "{...} wildcard not at end"},
           Case{"/a/{a...}/x", "at offset 3: {...} wildcard not at end"},
           Case{"{a}/b", "at offset 0: host contains '{' (missing initial '/'?)"},
           Case{"GET x{a}/b", "at offset 5: host contains '{'"},
           Case{"/a/{x}/b/{x...}", "at offset 9: duplicate wildcard name \"x\""},
           Case{"/{x}/{x}", "duplicate wildcard name \"x\""},
           Case{"GET //", "non-CONNECT pattern with unclean path can never match"},
           Case{"GET /a/../b", "at offset 4: non-CONNECT pattern with unclean path"},
           Case{"POST /a/./b", "unclean path"},
       }) {
    SCOPED_TRACE(c.in);
    try {
      (void)parse_pattern(c.in);
      ADD_FAILURE() << "no error";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string_view(e.what()).find(c.message), std::string_view::npos) << e.what();
    }
  }
}

TEST(Pattern, QuoteShowsBytes) {
  EXPECT_EQ(quote_pattern("/a\"b\\c"), R"("/a\"b\\c")");
  EXPECT_EQ(quote_pattern("/a\nb\x7f"), R"("/a\x0ab\x7f")");
}

Pattern pat(std::string_view s) { return parse_pattern(s); }

TEST(Pattern, CompareMethods) {
  struct Case {
    std::string_view p1, p2;
    Relationship want;
  };
  for (const Case& c : {
           Case{"/", "/", Relationship::equivalent},
           Case{"GET /", "GET /", Relationship::equivalent},
           Case{"HEAD /", "HEAD /", Relationship::equivalent},
           Case{"POST /", "POST /", Relationship::equivalent},
           Case{"GET /", "POST /", Relationship::disjoint},
           Case{"get /", "GET /", Relationship::disjoint},
           Case{"GET /", "/", Relationship::more_specific},
           Case{"HEAD /", "/", Relationship::more_specific},
           Case{"DELETE /", "/", Relationship::more_specific},
           Case{"GET /", "HEAD /", Relationship::more_general},
           Case{"POST /", "HEAD /", Relationship::disjoint},
       }) {
    SCOPED_TRACE(fmt::format("{} vs {}", c.p1, c.p2));
    EXPECT_EQ(to_string(compare_methods(pat(c.p1), pat(c.p2))), to_string(c.want));
    EXPECT_EQ(to_string(compare_methods(pat(c.p2), pat(c.p1))), to_string(inverse(c.want)));
  }
}

TEST(Pattern, ComparePaths) {
  using R = Relationship;
  struct Case {
    std::string_view p1, p2;
    R want;
  };
  for (const Case& c : {
           // A literal is more specific than anything it overlaps, except itself.
           Case{"/a", "/a", R::equivalent},
           Case{"/a", "/b", R::disjoint},
           Case{"/a", "/", R::more_specific},
           Case{"/a", "/{$}", R::disjoint},
           Case{"/a", "/{x}", R::more_specific},
           Case{"/a", "/{x...}", R::more_specific},
           Case{"/b/a", "/b/{x}", R::more_specific},
           Case{"/{z}/a", "/{z}/{$}", R::disjoint},
           Case{"/a", "/a/b", R::disjoint},
           Case{"/a/b/cd", "/a/b/c", R::disjoint},
           // A single wildcard.
           Case{"/{z}", "/a", R::more_general},
           Case{"/{z}", "/a/b", R::disjoint},
           Case{"/{z}", "/{$}", R::disjoint},
           Case{"/{z}", "/{x}", R::equivalent},
           Case{"/{z}", "/", R::more_specific},
           Case{"/{z}", "/{x...}", R::more_specific},
           Case{"/b/{z}", "/b/", R::more_specific},
           // A trailing slash is an anonymous multi.
           Case{"/", "/a/b", R::more_general},
           Case{"/", "/{$}", R::more_general},
           Case{"/", "/{x...}", R::equivalent},
           Case{"/b/", "/b/{x...}", R::equivalent},
           Case{"/{z}/", "/a/{x...}", R::more_general},
           Case{"/a/{z}/", "/{z}/a/", R::overlaps},
           Case{"/images/thumbnails/", "/images/", R::more_specific},
           // Multi wildcards.
           Case{"/b/{m...}", "/b/a/b", R::more_general},
           Case{"/b/{m...}", "/a/{x...}", R::disjoint},
           Case{"/a/{m...}", "/a/{x}/{y...}", R::more_general},
           Case{"/a/{z}/{m...}", "/{z}/b/{y...}", R::overlaps},
           Case{"/a/{z}/a/{m...}", "/{x}/b", R::disjoint},
           // {$}.
           Case{"/{$}", "/", R::more_specific},
           Case{"/b/{$}", "/b", R::disjoint},
           Case{"/b/{$}", "/b/{x}", R::disjoint},
           Case{"/b/{$}", "/b/{x...}", R::more_specific},
           Case{"/b/{$}", "/b/c/{x...}", R::disjoint},
           Case{"/{z}/{$}", "/a/", R::overlaps},
           Case{"/{z}/{$}", "/{z}/{x...}", R::more_specific},
           Case{"/{x}/b/{$}", "/a/{x}/{y}", R::disjoint},
           // The ServeMux documentation's examples.
           Case{"/posts/{id}", "/posts/latest", R::more_general},
           Case{"/posts/{id}", "/{resource}/latest", R::overlaps},
           Case{"/", "/index.html", R::more_general},
       }) {
    SCOPED_TRACE(fmt::format("{} vs {}", c.p1, c.p2));
    Pattern p1 = pat(c.p1), p2 = pat(c.p2);
    EXPECT_EQ(compare_paths(p1, p1), R::equivalent);
    EXPECT_EQ(to_string(compare_paths(p1, p2)), to_string(c.want));
    EXPECT_EQ(to_string(compare_paths(p2, p1)), to_string(inverse(c.want)));
  }
}

TEST(Pattern, Conflicts) {
  struct Case {
    std::string_view p1, p2;
    bool want;
  };
  for (const Case& c : {
           Case{"/a", "/a", true},
           Case{"/a", "/ab", false},
           Case{"/{x}", "/{y}", true},
           Case{"/{x}", "/a", false},
           Case{"/{x}/{y}", "/{x}/a/", false},
           Case{"/{x}/a/{y}", "/{x}/a/{y...}", false},
           Case{"/a/{x}", "/{x}/b", true},
           Case{"/images/", "/images/thumbnails/", false},
           Case{"/posts/{id}", "/posts/latest", false},
           Case{"/posts/{id}", "/{resource}/latest", true},
           Case{"GET /posts/{id}", "/posts/latest", true},
           Case{"/", "GET /", false},
           Case{"/", "GET /foo", false},
           Case{"GET /", "GET /foo", false},
           Case{"GET /", "/index.html", true},
           Case{"GET /foo", "HEAD /", true},
           Case{"GET /", "POST /", false},
           Case{"/a/{x}/", "/a/{y}/{z...}", true},
           // Hosts: a host pattern beats a host-less one, and different hosts never meet.
           Case{"example.com/{x}", "/{x}", false},
           Case{"example.com/a/{x}", "/{y}/b", false},
           Case{"a.com/{x}", "b.com/{x}", false},
           Case{"a.com/{x}", "A.COM/{y}", true},
           Case{"GET a.com/", "a.com/index.html", true},
       }) {
    SCOPED_TRACE(fmt::format("{} vs {}", c.p1, c.p2));
    EXPECT_EQ(conflicts(pat(c.p1), pat(c.p2)), c.want);
    EXPECT_EQ(conflicts(pat(c.p2), pat(c.p1)), c.want);
  }
}

TEST(Pattern, TakesPrecedence) {
  EXPECT_TRUE(takes_precedence(pat("/images/thumbnails/"), pat("/images/")));
  EXPECT_FALSE(takes_precedence(pat("/images/"), pat("/images/thumbnails/")));
  EXPECT_TRUE(takes_precedence(pat("/posts/latest"), pat("/posts/{id}")));
  EXPECT_TRUE(takes_precedence(pat("GET /"), pat("/")));
  EXPECT_TRUE(takes_precedence(pat("HEAD /x"), pat("GET /x")));
  EXPECT_TRUE(takes_precedence(pat("example.com/{x}"), pat("/a")));  // host beats specificity
  EXPECT_FALSE(takes_precedence(pat("/a"), pat("example.com/{x}")));
  EXPECT_FALSE(takes_precedence(pat("a.com/"), pat("b.com/x")));
  EXPECT_FALSE(takes_precedence(pat("/a/{x}"), pat("/{x}/b")));  // they conflict
}

TEST(Pattern, DescribeConflict) {
  struct Case {
    std::string_view p1, p2, want;
  };
  for (const Case& c : {
           Case{"/a/{x}", "/a/{y}", "/a/{x} matches the same requests as /a/{y}"},
           Case{"/", "/{m...}", "the same requests"},
           Case{"/a/{x}/", "/a/{y}/{z...}", "the same requests"},
           Case{"/posts/{id}", "/{resource}/latest",
                "/posts/{id} and /{resource}/latest both match some paths, like \"/posts/latest\".\n"
                "But neither is more specific than the other.\n"
                "/posts/{id} matches \"/posts/id\", but /{resource}/latest doesn't.\n"
                "/{resource}/latest matches \"/resource/latest\", but /posts/{id} doesn't."},
           Case{"/a", "GET /{x}", "/a matches more methods than GET /{x}, but has a more specific path pattern"},
           Case{"GET /a", "HEAD /", "GET /a matches more methods than HEAD /, but has a more specific path pattern"},
           Case{"POST /", "/a", "POST / matches fewer methods than /a, but has a more general path pattern"},
           Case{"GET /", "/index.html", "GET / matches fewer methods than /index.html, but has a more general path"},
       }) {
    SCOPED_TRACE(fmt::format("{} vs {}", c.p1, c.p2));
    std::string got = describe_conflict(pat(c.p1), pat(c.p2));
    EXPECT_NE(got.find(c.want), std::string::npos) << got;
  }
}

// common_path and difference_path feed the conflict message; whatever they return must
// really be matched (or not) by the patterns, and they must find an example for every
// overlapping pair.
TEST(Pattern, ExamplePathsAreCorrect) {
  struct Case {
    std::string_view p1, p2, common, diff12, diff21;
  };
  for (const Case& c : {
           Case{"/a/{x}", "/{x}/a", "/a/a", "/a/x", "/x/a"},
           Case{"/a/{z}/", "/{z}/a/", "/a/a/", "/a/z/", "/z/a/"},
           Case{"/{a}/a/", "/a/{z}/", "/a/a/", "/ax/a/", "/a/z/"},
           Case{"/a/{z}/{m...}", "/{z}/a/", "/a/a/", "/a/z/", "/z/a/"},
           Case{"/{z}/{$}", "/a/", "/a/", "/z/", "/a/x"},
           Case{"/{z}/{$}", "/a/{x...}", "/a/", "/z/", "/a/x"},
           Case{"/a/{x}/b/{y...}", "/{x}/c/{y...}", "/a/c/b/", "/a/x/b/", "/x/c/"},
           Case{"/a/{x}/b/{$}", "/{x}/c/{y...}", "/a/c/b/", "/a/x/b/", "/x/c/"},
           Case{"/a/{z}/{x...}", "/{z}/b/{y...}", "/a/b/", "/a/z/", "/z/b/"},
           Case{"/posts/{id}", "/{resource}/latest", "/posts/latest", "/posts/id", "/resource/latest"},
           Case{"/a%20b/{x}", "/{y}/c", "/a%20b/c", "/a%20b/x", "/y/c"},
       }) {
    SCOPED_TRACE(fmt::format("{} vs {}", c.p1, c.p2));
    Pattern p1 = pat(c.p1), p2 = pat(c.p2);
    ASSERT_EQ(compare_paths(p1, p2), Relationship::overlaps);
    EXPECT_EQ(common_path(p1, p2), c.common);
    EXPECT_EQ(difference_path(p1, p2), c.diff12);
    EXPECT_EQ(difference_path(p2, p1), c.diff21);
  }
  // No example exists: the functions say so rather than inventing one.
  EXPECT_EQ(common_path(pat("/a"), pat("/b")), "");
  EXPECT_EQ(difference_path(pat("/a"), pat("/{x}")), "");
}

TEST(Pattern, PathMatches) {
  struct Case {
    std::string_view pattern, path;
    bool want;
  };
  for (const Case& c : {
           Case{"/", "/", true},
           Case{"/", "/a/b", true},
           Case{"/{$}", "/", true},
           Case{"/{$}", "/a", false},
           Case{"/a", "/a", true},
           Case{"/a", "/a/", false},
           Case{"/a/", "/a", false},
           Case{"/a/", "/a/", true},
           Case{"/a/", "/a/b/c", true},
           Case{"/a/{x}", "/a/b", true},
           Case{"/a/{x}", "/a/", false},
           Case{"/a/{x}", "/a/b/c", false},
           Case{"/a/{x...}", "/a/", true},
           Case{"/a/{x...}", "/a", false},
           Case{"/a/b/{$}", "/a/b/", true},
           Case{"/a/b/{$}", "/a/b/c", false},
           Case{"/a%2Fb/", "/a%2fb/c", true},
           Case{"/a/b/", "/a%2Fb/c", false},
           Case{"/%61", "/a", true},
           Case{"/a", "/%61", true},
       }) {
    SCOPED_TRACE(fmt::format("{} on {}", c.pattern, c.path));
    EXPECT_EQ(path_matches(pat(c.pattern), c.path), c.want);
  }
}

// The relationships must agree with what the patterns actually match: checked on every
// pair from a set of patterns against every path of up to three segments over a small
// alphabet, with and without a trailing slash.
TEST(Pattern, RelationshipsAgreeWithMatching) {
  const std::vector<std::string_view> patterns = {
      "/",        "/{$}",       "/a",     "/b",           "/{x}",          "/a/",          "/{x}/",       "/a/{$}",
      "/{x}/{$}", "/a/b",       "/a/{y}", "/{x}/b",       "/{x}/{y}",      "/a/{r...}",    "/{x}/{r...}", "/a/b/",
      "/a/{y}/",  "/{x}/b/{$}", "/a/b/c", "/{x}/{y}/{z}", "/a/{y}/{r...}", "/{x}/a/{r...}"};
  const std::vector<std::string> paths = test::small_paths();
  for (std::string_view s1 : patterns) {
    for (std::string_view s2 : patterns) {
      Pattern p1 = pat(s1), p2 = pat(s2);
      Relationship rel = compare_paths(p1, p2);
      bool both = false, only1 = false, only2 = false;
      for (const std::string& path : paths) {
        bool m1 = path_matches(p1, path), m2 = path_matches(p2, path);
        both |= m1 && m2;
        only1 |= m1 && !m2;
        only2 |= !m1 && m2;
      }
      SCOPED_TRACE(fmt::format("{} vs {}: {}", s1, s2, to_string(rel)));
      switch (rel) {
        case Relationship::equivalent: EXPECT_FALSE(only1 || only2); break;
        case Relationship::more_general:
          EXPECT_FALSE(only2);
          EXPECT_TRUE(only1);
          break;
        case Relationship::more_specific:
          EXPECT_FALSE(only1);
          EXPECT_TRUE(only2);
          break;
        case Relationship::disjoint: EXPECT_FALSE(both); break;
        case Relationship::overlaps: EXPECT_TRUE(both && only1 && only2); break;
      }
    }
  }
}

}  // namespace
}  // namespace nethttp::detail
