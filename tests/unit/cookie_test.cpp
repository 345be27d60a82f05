// Cookies: Set-Cookie serialisation and validation (RFC 6265 4.1), and reading the Cookie
// request header (RFC 6265 4.2, leniently as Go's readCookies).
#include "nethttp/cookie.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "nethttp/request.hpp"
#include "nethttp/testing.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;

TEST(SetCookie, SerialisesEveryAttribute) {
  Cookie c{.name = "session", .value = "abc123"};
  c.path = "/app";
  c.domain = ".example.com";
  c.expires = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  c.max_age = 3600s;
  c.secure = true;
  c.http_only = true;
  c.same_site = SameSite::None;
  c.partitioned = true;
  EXPECT_EQ(format_set_cookie(c),
            "session=abc123; Path=/app; Domain=example.com; Expires=Sun, 06 Nov 1994 08:49:37 GMT; "
            "Max-Age=3600; HttpOnly; Secure; SameSite=None; Partitioned");
}

TEST(SetCookie, MinimalQuotedAndDeleting) {
  EXPECT_EQ(format_set_cookie({.name = "a", .value = "b"}), "a=b");
  EXPECT_EQ(format_set_cookie({.name = "a", .value = ""}), "a=");
  EXPECT_EQ(format_set_cookie({.name = "a", .value = "b", .quoted = true}), "a=\"b\"");
  Cookie del{.name = "a", .value = ""};
  del.max_age = -1s;
  EXPECT_EQ(format_set_cookie(del), "a=; Max-Age=0");
  Cookie lax{.name = "a", .value = "b"};
  lax.same_site = SameSite::Lax;
  EXPECT_EQ(format_set_cookie(lax), "a=b; SameSite=Lax");
  lax.same_site = SameSite::Strict;
  EXPECT_EQ(format_set_cookie(lax), "a=b; SameSite=Strict");
}

TEST(SetCookie, RejectsInvalidInputInsteadOfEmittingIt) {
  struct Case {
    const char* what;
    Cookie c;
  };
  auto with = [](auto f) {
    Cookie c{.name = "n", .value = "v"};
    f(c);
    return c;
  };
  const Case cases[] = {
      {"empty name", Cookie{.name = "", .value = "v"}},
      {"space in name", Cookie{.name = "a b", .value = "v"}},
      {"= in name", Cookie{.name = "a=b", .value = "v"}},
      {"; in value", Cookie{.name = "n", .value = "v;Secure"}},
      {"space in value", Cookie{.name = "n", .value = "a b"}},
      {"comma in value", Cookie{.name = "n", .value = "a,b"}},
      {"quote in value", Cookie{.name = "n", .value = "a\"b"}},
      {"backslash in value", Cookie{.name = "n", .value = "a\\b"}},
      {"CRLF in value", Cookie{.name = "n", .value = "a\r\nSet-Cookie: x=y"}},
      {"non-ASCII value", Cookie{.name = "n", .value = "caf\xC3\xA9"}},
      {"; in path", with([](Cookie& c) { c.path = "/a;Domain=evil"; })},
      {"control in path", with([](Cookie& c) { c.path = "/a\n"; })},
      {"bad domain", with([](Cookie& c) { c.domain = "exa mple.com"; })},
      {"domain with ;", with([](Cookie& c) { c.domain = "a.com;Secure"; })},
      {"domain label starting with -", with([](Cookie& c) { c.domain = "-a.com"; })},
      {"domain with empty label", with([](Cookie& c) { c.domain = "a..com"; })},
      {"SameSite=None without Secure", with([](Cookie& c) { c.same_site = SameSite::None; })},
      {"Partitioned without Secure", with([](Cookie& c) { c.partitioned = true; })},
      {"__Secure- without Secure", Cookie{.name = "__Secure-id", .value = "v"}},
      {"__Host- with Domain",
       Cookie{.name = "__Host-id", .value = "v", .path = "/", .domain = "a.com", .secure = true}},
      {"__Host- without Path=/", Cookie{.name = "__Host-id", .value = "v", .secure = true}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_FALSE(cookie_problem(c.c).empty());
    EXPECT_EQ(format_set_cookie(c.c), "");
    Request r("GET", "/");
    auto rec = testing::serve(
        [&](ResponseWriter& w, Request&) {
          EXPECT_FALSE(set_cookie(w, c.c));
          w.write_header(204);
        },
        r);
    EXPECT_FALSE(rec->headers().has("Set-Cookie"));
  }
  EXPECT_EQ(cookie_problem(Cookie{.name = "a b", .value = "v"}), "invalid cookie name \"a b\"");
}

TEST(SetCookie, AcceptsWhatRfc6265Allows) {
  for (Cookie c : {Cookie{.name = "!#$%&'*+-.^_`|~", .value = "!#$%&'()*+-./:<=>?@[]^_`{|}~"},
                   Cookie{.name = "__Host-id", .value = "v", .path = "/", .secure = true},
                   Cookie{.name = "__Secure-id", .value = "v", .domain = "a.example", .secure = true},
                   Cookie{.name = "n", .value = "v", .path = "/a b/c"},
                   Cookie{.name = "n", .value = "v", .domain = "127.0.0.1"}}) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(cookie_problem(c), "");
    EXPECT_NE(format_set_cookie(c), "");
  }
}

TEST(SetCookie, AddsOneHeaderPerCookie) {
  Request r("GET", "/");
  auto rec = testing::serve(
      [](ResponseWriter& w, Request&) {
        EXPECT_TRUE(set_cookie(w, {.name = "a", .value = "1"}));
        EXPECT_TRUE(set_cookie(w, {.name = "b", .value = "2", .http_only = true}));
        w.write_header(204);
      },
      r);
  EXPECT_EQ(rec->headers().values("Set-Cookie"), (std::vector<std::string_view>{"a=1", "b=2; HttpOnly"}));
}

TEST(RequestCookies, ParsesPairsFromEveryCookieLine) {
  Request r("GET", "/");
  r.headers().add("Cookie", "a=1; b=\"two\";c=3 ; bad name=x; d=; =e; f=g=h; noeq");
  r.headers().add("cookie", "z=last; q=a b,c; x=\"un\"balanced\"");
  std::vector<std::pair<std::string, std::string>> got;
  for (CookiePair p : r.cookies()) got.emplace_back(p.name, p.value);
  std::vector<std::pair<std::string, std::string>> want = {{"a", "1"},   {"b", "two"},  {"c", "3"},    {"d", ""},
                                                           {"f", "g=h"}, {"z", "last"}, {"q", "a b,c"}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(r.cookie("b"), "two");
  EXPECT_EQ(r.cookie("d"), "");
  EXPECT_EQ(r.cookie("z"), "last");
  EXPECT_FALSE(r.cookie("missing").has_value());
  EXPECT_FALSE(r.cookie("bad name").has_value());
}

TEST(RequestCookies, FirstOfRepeatedNamesWins) {
  Request r("GET", "/");
  r.headers().add("Cookie", "id=1; id=2");
  EXPECT_EQ(r.cookie("id"), "1");
  EXPECT_EQ(r.cookies().size(), 2u);
}

TEST(RequestCookies, NoHeaderMeansNoCookies) {
  Request r("GET", "/");
  EXPECT_TRUE(r.cookies().empty());
  EXPECT_FALSE(r.cookie("a"));
}

}  // namespace
}  // namespace nethttp
