#include "nethttp/headers.hpp"

#include <gtest/gtest.h>

#include <string>

#include "nethttp/request.hpp"

namespace nethttp {
namespace {

TEST(Headers, LookupIgnoresCaseAndKeepsOrder) {
  Headers h;
  h.add("Content-Type", "text/plain");
  h.add("Set-Cookie", "a=1");
  h.add("set-cookie", "b=2");
  EXPECT_EQ(h.get("content-type"), "text/plain");
  EXPECT_EQ(h.get("SET-COOKIE"), "a=1");
  EXPECT_EQ(h.values("Set-Cookie"), (std::vector<std::string_view>{"a=1", "b=2"}));
  EXPECT_FALSE(h.has("Missing"));
  EXPECT_EQ(h.get("Missing"), "");
}

TEST(Headers, SetReplacesEveryValueAndRemoveDeletes) {
  Headers h;
  h.add("X", "1");
  h.add("x", "2");
  h.set("X", "3");
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.get("x"), "3");
  h.set("X", h.get("X"));  // value aliasing the arena
  EXPECT_EQ(h.get("x"), "3");
  h.remove("X");
  EXPECT_TRUE(h.empty());
}

TEST(Headers, AddAndSetAcceptViewsOfTheirOwnFields) {
  // Each add grows the arena, so some of these appends reallocate under the views passed in.
  Headers h;
  h.add("Long-Name-Of-A-Header", std::string(40, 'v'));
  for (int i = 0; i < 20; ++i) {
    HeaderField first = h.at(0);
    h.add(first.name, first.value);
  }
  ASSERT_EQ(h.size(), 21u);
  for (HeaderField f : h) {
    EXPECT_EQ(f.name, "Long-Name-Of-A-Header");
    EXPECT_EQ(f.value, std::string(40, 'v'));
  }
  h.set(h.at(3).name, h.at(5).value);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h.get("long-name-of-a-header"), std::string(40, 'v'));
}

TEST(Headers, ClearKeepsCapacity) {
  Headers h;
  h.add("Name", std::string(100, 'v'));
  h.clear();
  EXPECT_TRUE(h.empty());
  h.add("A", "b");
  std::size_t n = 0;
  for (HeaderField f : h) {
    EXPECT_EQ(f.name, "A");
    ++n;
  }
  EXPECT_EQ(n, 1u);
}

TEST(Request, TargetForms) {
  struct Case {
    std::string_view target;
    bool ok;
    std::string_view path, raw_path, query, host;
  };
  for (const Case& c : {
           Case{"/", true, "/", "/", "", ""},
           Case{"/a%20b/c?x=1&y=%41", true, "/a b/c", "/a%20b/c", "x=1&y=%41", ""},
           Case{"http://example.com/p?q", true, "/p", "/p", "q", "example.com"},
           Case{"http://example.com:8080", true, "/", "/", "", "example.com:8080"},
           Case{"http://example.com?x=1", true, "/", "/", "x=1", "example.com"},
           Case{"/a%2Fb", true, "/a/b", "/a%2Fb", "", ""},
           Case{"/bad%zz", false, "", "", "", ""},
           Case{"/bad%2", false, "", "", "", ""},
           Case{"/nul%00", false, "", "", "", ""},
           Case{"relative", false, "", "", "", ""},
           Case{"*", true, "*", "*", "", ""},
       }) {
    SCOPED_TRACE(c.target);
    Request r;
    EXPECT_EQ(r.set_target(c.target), c.ok);
    if (!c.ok) continue;
    EXPECT_EQ(r.path(), c.path);
    EXPECT_EQ(r.raw_path(), c.raw_path);
    EXPECT_EQ(r.raw_query(), c.query);
    EXPECT_EQ(r.host(), c.host);
  }
}

TEST(Request, QueryDecodesPlusAndEscapes) {
  Request r("GET", "/s?q=a+b%21&q=2&empty=&flag&bad=%zz");
  QueryParams q = r.query();
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"q", "a b!"}));
  EXPECT_EQ(r.query_value("q"), "a b!");
  EXPECT_EQ(r.query_value("empty"), "");
  EXPECT_EQ(q[3].first, "flag");
}

TEST(Request, PathValues) {
  Request r("GET", "/");
  r.set_path_value("id", "42");
  r.set_path_value("ID", "x");
  EXPECT_EQ(r.path_value("id"), "42");
  EXPECT_EQ(r.path_value("ID"), "x");
  r.set_path_value("id", "43");
  EXPECT_EQ(r.path_value("id"), "43");
  EXPECT_EQ(r.path_value("none"), "");
}

}  // namespace
}  // namespace nethttp

#include "nethttp/testing.hpp"

namespace nethttp {
namespace {
void plain_function_handler(ResponseWriter& w, Request&) { w.write("plain"); }

TEST(Handler, PlainFunctionsAndPointersConvert) {
  Handler by_name = plain_function_handler;
  Handler by_pointer = &plain_function_handler;
  Request r("GET", "/");
  EXPECT_EQ(testing::serve(by_name, r)->body(), "plain");
  EXPECT_EQ(testing::serve(by_pointer, r)->body(), "plain");
  EXPECT_EQ(testing::serve(Handler(), r)->code(), 404);
}
}  // namespace
}  // namespace nethttp
