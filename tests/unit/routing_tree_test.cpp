// RoutingTree: host, then method, then path-segment lookup with backtracking, checked against
// tables and against a brute-force "most specific matching pattern" search.

#include "router/routing_tree.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "router/pattern.hpp"
#include "support/small_paths.hpp"

namespace nethttp::detail {
namespace {

// Tree owns routes and their index, as ServeMux does.
struct Tree {
  std::vector<std::unique_ptr<Route>> routes;
  RoutingTree tree;

  explicit Tree(std::initializer_list<std::string_view> patterns) {
    for (std::string_view p : patterns) add(p);
  }
  void add(std::string_view p) {
    routes.push_back(
        std::make_unique<Route>(Route{parse_pattern(p), Handler([](ResponseWriter&, Request&) {}), "test"}));
    tree.add(*routes.back());
  }
  std::string match(std::string_view host, std::string_view method, std::string_view path,
                    bool extra_slash = false) const {
    const Route* r = tree.match(host, method, path, extra_slash);
    return r != nullptr ? r->pattern.str : "";
  }
  std::string methods(std::string_view host, std::string_view path) const {
    std::vector<std::string> out;
    tree.matching_methods(host, path, false, out);
    std::sort(out.begin(), out.end());
    std::string joined;
    for (const std::string& m : out) joined += (joined.empty() ? "" : ",") + m;
    return joined;
  }
};

struct Case {
  std::string_view method, host, path, want;
};

void check(const Tree& t, std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(fmt::format("{} {} {}", c.method, c.host, c.path));
    EXPECT_EQ(t.match(c.host, c.method, c.path), c.want);
  }
}

TEST(RoutingTree, MostSpecificPatternWins) {
  Tree t{"/a", "/a/b", "/a/{x}", "/g/h/i", "/g/{x}/j", "/a/b/{x...}", "/a/b/{y}", "/a/b/{$}"};
  check(t, {
               {"GET", "", "/a", "/a"},
               {"GET", "", "/b", ""},
               {"GET", "", "/a/b", "/a/b"},
               {"GET", "", "/a/c", "/a/{x}"},
               {"GET", "", "/a/b/", "/a/b/{$}"},
               {"GET", "", "/a/b/c", "/a/b/{y}"},
               {"GET", "", "/a/b/c/d", "/a/b/{x...}"},
               {"GET", "", "/g/h/i", "/g/h/i"},
               {"GET", "", "/g/h/j", "/g/{x}/j"},  // backtracks out of literal "h"
               {"GET", "", "/g/h/k", ""},
               {"GET", "", "/a/%62", "/a/b"},      // segments are unescaped before lookup
               {"GET", "", "/a/b%2Fc", "/a/{x}"},  // "%2F" does not split a segment
           });
}

TEST(RoutingTree, MethodsHostsAndHead) {
  Tree t{"/item/",           "POST /item/{user}", "GET /item/{user}",         "/item/{user}",  "/item/{user}/{id}",
         "/item/{user}/new", "/item/{$}",         "POST alt.com/item/{user}", "GET /headwins", "HEAD /headwins",
         "/path/{p...}"};
  check(t, {
               {"GET", "", "/item/jba", "GET /item/{user}"},
               {"POST", "", "/item/jba", "POST /item/{user}"},
               {"HEAD", "", "/item/jba", "GET /item/{user}"},  // GET serves HEAD
               {"get", "", "/item/jba", "/item/{user}"},       // methods are case-sensitive
               {"PUT", "", "/item/jba", "/item/{user}"},
               {"POST", "", "/item/jba/17", "/item/{user}/{id}"},
               {"GET", "", "/item/jba/new", "/item/{user}/new"},
               {"GET", "", "/item/", "/item/{$}"},
               {"GET", "", "/item/jba/17/line2", "/item/"},
               {"POST", "alt.com", "/item/jba", "POST alt.com/item/{user}"},
               {"POST", "ALT.com", "/item/jba", "POST alt.com/item/{user}"},  // hosts ignore case
               {"GET", "alt.com", "/item/jba", "GET /item/{user}"},           // host tree fails: fall back
               {"GET", "", "/item", ""},
               {"GET", "", "/headwins", "GET /headwins"},
               {"HEAD", "", "/headwins", "HEAD /headwins"},  // HEAD is more specific than GET
               {"GET", "", "/path/to/file", "/path/{p...}"},
               {"GET", "", "/path/*", "/path/{p...}"},
           });
}

TEST(RoutingTree, TrailingSlashShapes) {
  // {$} only matches with the slash; {w} never matches the slash; {w...} matches both.
  check(Tree{"/a/b/{$}"}, {{"GET", "", "/a/b", ""}, {"GET", "", "/a/b/", "/a/b/{$}"}, {"GET", "", "/a/b/c", ""}});
  check(Tree{"/a/b/{w}"}, {{"GET", "", "/a/b", ""},
                           {"GET", "", "/a/b/", ""},
                           {"GET", "", "/a/b/c", "/a/b/{w}"},
                           {"GET", "", "/a/b/c/d", ""}});
  check(Tree{"/a/b/{w...}"},
        {{"GET", "", "/a/b", ""}, {"GET", "", "/a/b/", "/a/b/{w...}"}, {"GET", "", "/a/b/c/d", "/a/b/{w...}"}});
  check(Tree{"/a/b/{$}", "/a/b/{w}", "/a/b/{w...}"}, {{"GET", "", "/a/b", ""},
                                                      {"GET", "", "/a/b/", "/a/b/{$}"},
                                                      {"GET", "", "/a/b/c", "/a/b/{w}"},
                                                      {"GET", "", "/a/b/c/d", "/a/b/{w...}"}});
  check(Tree{"/{$}", "/"}, {{"GET", "", "/", "/{$}"}, {"GET", "", "/x", "/"}});
}

TEST(RoutingTree, ExtraSlashMatchesAsIfAppended) {
  Tree t{"/tree/", "/exact"};
  EXPECT_EQ(t.match("", "GET", "/tree"), "");
  EXPECT_EQ(t.match("", "GET", "/tree", true), "/tree/");
  EXPECT_EQ(t.match("", "GET", "/exact", true), "");
  EXPECT_EQ(t.match("", "GET", "", true), "");
}

TEST(RoutingTree, ConnectPathsKeepEmptySegments) {
  // CONNECT paths are not cleaned. A single wildcard matches an empty segment, and an
  // empty literal matches only an empty segment.
  check(Tree{"CONNECT /a//b", "/a/{x}/b", "/{x}/{y...}"}, {{"CONNECT", "", "/a//b", "CONNECT /a//b"},
                                                           {"CONNECT", "", "/a/z/b", "/a/{x}/b"},
                                                           {"CONNECT", "", "//c", "/{x}/{y...}"},
                                                           {"CONNECT", "", "/a//c", "/{x}/{y...}"}});
  check(Tree{"CONNECT /a//b"}, {{"CONNECT", "", "/a/z/b", ""}});
  check(
      Tree{"/a/{x}/b", "/{x}/", "/{x}/{y}/{z}"},
      {{"CONNECT", "", "/a//b", "/a/{x}/b"}, {"CONNECT", "", "//", "/{x}/"}, {"CONNECT", "", "///c", "/{x}/{y}/{z}"}});
}

TEST(RoutingTree, MatchingMethods) {
  EXPECT_EQ(Tree{"POST /"}.methods("", "/foo"), "POST");
  EXPECT_EQ(Tree{"GET /"}.methods("", "/foo"), "GET,HEAD");
  Tree hosts{"GET a.com/", "PUT b.com/", "POST /foo/{x}"};
  EXPECT_EQ(hosts.methods("", "/foo"), "");
  EXPECT_EQ(hosts.methods("", "/foo/bar"), "POST");
  EXPECT_EQ(hosts.methods("a.com", "/foo/bar"), "GET,HEAD,POST");
  EXPECT_EQ(hosts.methods("b.com", "/bar"), "PUT");
  EXPECT_EQ(Tree{"/"}.methods("", "/"), "") << "method-less patterns are not listed";
  Tree several{"DELETE /r/{id}", "GET /r/{id}", "PATCH /r/{id}", "HEAD /r/{id}"};
  EXPECT_EQ(several.methods("", "/r/1"), "DELETE,GET,HEAD,HEAD,PATCH");  // ServeMux dedups
}

// For every path over a small alphabet, the tree's answer must be the one pattern that
// matches and takes precedence over every other matching pattern, found by brute force.
TEST(RoutingTree, AgreesWithBruteForcePrecedence) {
  // Candidates are added in order, skipping any that conflict with those already in (the
  // tree's precondition); the skipped ones are exactly what ServeMux would reject.
  const std::vector<std::string_view> candidates = {
      "/",
      "/{$}",
      "/a",
      "/{x}",
      "/a/",
      "/a/{$}",
      "/{x}/b",
      "/a/b",
      "/a/b/",
      "/{x}/{y}/c",
      "/a/{y}/",
      "/b/{r...}",
      "/b/a/{$}",
      "GET /a/{y}",
      "GET /c",
      "HEAD /c",
      "POST /",
      "h.com/",
      "h.com/a/b",
      "GET h.com/c",
      "/c/{x}/{$}",
      "/c/{x}/{y}",
      "/c/a/b",
      "GET /b/{y}/a",
      "/{x}/{y}/{z}",
      "/c/{x}/",
      "PUT /a/{y}/{z}",
      "/a/c/{r...}",
      "HEAD h.com/a/{x}",
  };
  Tree t{};
  std::size_t skipped = 0;
  for (std::string_view p : candidates) {
    Pattern parsed = parse_pattern(p);
    bool clash =
        std::any_of(t.routes.begin(), t.routes.end(), [&](const auto& r) { return conflicts(r->pattern, parsed); });
    if (clash) {
      ++skipped;
    } else {
      t.add(p);
    }
  }
  ASSERT_GE(t.routes.size(), 20u);
  ASSERT_GE(skipped, 3u);
  const std::vector<std::string> paths = test::small_paths();
  auto method_ok = [](const Pattern& p, std::string_view m) {
    return p.method.empty() || p.method == m || (p.method == "GET" && m == "HEAD");
  };
  int matched = 0;
  for (std::string_view host : {"", "h.com", "other.com"}) {
    for (std::string_view method : {"GET", "HEAD", "POST", "PUT"}) {
      for (const std::string& path : paths) {
        std::vector<const Pattern*> matching;
        for (const auto& r : t.routes) {
          const Pattern& p = r->pattern;
          if ((p.host.empty() || p.host == host) && method_ok(p, method) && path_matches(p, path)) {
            matching.push_back(&p);
          }
        }
        std::string want;
        for (const Pattern* c : matching) {
          bool best = std::all_of(matching.begin(), matching.end(),
                                  [&](const Pattern* o) { return o == c || takes_precedence(*c, *o); });
          if (best) {
            ASSERT_TRUE(want.empty()) << "two winners for " << path;
            want = c->str;
          }
        }
        ASSERT_EQ(want.empty(), matching.empty()) << "no single winner for " << method << " " << host << path;
        ASSERT_EQ(t.match(host, method, path), want) << method << " " << host << path;
        matched += !want.empty();
      }
    }
  }
  EXPECT_GT(matched, 300);  // the table really exercises matches, not just misses
}

}  // namespace
}  // namespace nethttp::detail
