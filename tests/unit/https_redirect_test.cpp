// https_redirect through ResponseRecorder: the Location it builds, 301 vs 308, and 400 for
// a request with nowhere safe to go.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nethttp/helpers.hpp"
#include "nethttp/testing.hpp"

namespace nethttp {
namespace {

using testing::serve;

TEST(HttpsRedirect, BuildsLocationFromHostPathAndQuery) {
  struct Case {
    std::string_view host, target;
    std::uint16_t port;
    std::string_view want;
  };
  for (const Case& c : {
           Case{"example.com", "/", 443, "https://example.com/"},
           Case{"example.com:80", "/a/b?x=1&y=2", 443, "https://example.com/a/b?x=1&y=2"},
           Case{"example.com:8080", "/a", 8443, "https://example.com:8443/a"},
           Case{"127.0.0.1:8080", "/", 8443, "https://127.0.0.1:8443/"},
           Case{"[::1]:8080", "/x", 8443, "https://[::1]:8443/x"},
           Case{"[::1]", "/x", 443, "https://[::1]/x"},
           Case{"Example.COM", "/x", 443, "https://Example.COM/x"},
           // The path stays as the client escaped it, and is not cleaned.
           Case{"example.com", "/a%20b/../c%2Fd?q=%3C", 443, "https://example.com/a%20b/../c%2Fd?q=%3C"},
           Case{"example.com", "/p?", 443, "https://example.com/p"},
           Case{"example.com", "*", 443, "https://example.com/"},
       }) {
    SCOPED_TRACE(fmt::format("{} {} -> {}", c.host, c.target, c.port));
    Request r("GET", c.target);
    r.set_host(c.host);
    auto rec = serve(https_redirect(c.port), r);
    EXPECT_EQ(rec->code(), 301);
    EXPECT_EQ(rec->header_map().get("Location"), c.want);
  }
}

TEST(HttpsRedirect, AbsoluteFormTargetUsesItsAuthority) {
  Request r("GET", "http://example.org:8080/abs?k=v");
  ASSERT_EQ(r.host(), "example.org:8080");
  auto rec = serve(https_redirect(8443), r);
  EXPECT_EQ(rec->code(), 301);
  EXPECT_EQ(rec->header_map().get("Location"), "https://example.org:8443/abs?k=v");
}

TEST(HttpsRedirect, PermanentForSafeMethodsAnd308ForOthers) {
  for (std::string_view method : {"GET", "HEAD"}) {
    Request r(method, "/form");
    r.set_host("example.com");
    auto rec = serve(https_redirect(), r);
    EXPECT_EQ(rec->code(), 301) << method;
    EXPECT_EQ(rec->header_map().get("Location"), "https://example.com/form");
    EXPECT_EQ(rec->body().empty(), method == "HEAD");  // GET gets the short HTML link
  }
  for (std::string_view method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    Request r(method, "/form", "a=1");
    r.set_host("example.com:80");
    auto rec = serve(https_redirect(), r);
    EXPECT_EQ(rec->code(), 308) << method;
    EXPECT_EQ(rec->header_map().get("Location"), "https://example.com/form");
    EXPECT_EQ(rec->body(), "");
  }
}

TEST(HttpsRedirect, MissingOrInvalidHostIs400) {
  for (std::string_view host :
       {"", ":8080", "exa mple.com", "example.com:80x", "user@example.com", "a/b", "ex%41mple.com", "[::1", "[]:80",
        "[::1]x", "[::1]:8x", "[fe80::1%25eth0]", "evil.com\r\nX: y", "caf\xc3\xa9.com"}) {
    SCOPED_TRACE(fmt::format("host \"{}\"", host));
    Request r("GET", "/x");
    r.set_host(host);
    auto rec = serve(https_redirect(8443), r);
    EXPECT_EQ(rec->code(), 400);
    EXPECT_FALSE(rec->header_map().has("Location"));
    EXPECT_EQ(rec->body(), "400 Bad Request: missing or invalid Host\n");
  }
}

}  // namespace
}  // namespace nethttp
