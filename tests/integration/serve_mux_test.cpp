// ServeMux over real sockets: matched routes with path values, and the 301, 400, 404 and 405
// answers with their Location and Allow headers as a client receives them.

#include "nethttp/serve_mux.hpp"

#include <gtest/gtest.h>

#include <string>

#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using test::RawClient;

// api_mux is a small API: items with methods, a static subtree, and a host-specific route.
ServeMux api_mux() {
  ServeMux mux;
  mux.handle("GET /items/{id}", [](ResponseWriter& w, Request& r) {
    w.headers().set("X-Pattern", r.pattern());
    w.write("item " + std::string(r.path_value("id")));
  });
  mux.handle("DELETE /items/{id}", [](ResponseWriter& w, Request&) { w.write_header(Status::NoContent); });
  mux.handle("/static/", [](ResponseWriter& w, Request& r) { w.write("static " + std::string(r.path())); });
  mux.handle("/files/{path...}", [](ResponseWriter& w, Request& r) { w.write(r.path_value("path")); });
  mux.handle("admin.test/", [](ResponseWriter& w, Request&) { w.write("admin"); });
  return mux;
}

std::string request(std::string_view method, std::string_view target, std::string_view host = "test") {
  return std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: " + std::string(host) +
         "\r\nConnection: close\r\n\r\n";
}

TEST(ServeMuxSocket, MatchedRouteGetsPathValues) {
  testing::TestServer ts(api_mux());
  auto res = test::get(ts.port(), "/items/42");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "item 42");
  EXPECT_EQ(res.header("X-Pattern"), "GET /items/{id}");

  // "%2F" stays inside the segment: one path value containing '/'.
  res = test::get(ts.port(), "/items/a%2Fb");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "item a/b");
  res = test::get(ts.port(), "/files/docs/a%20b.txt");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "docs/a b.txt");
  res = test::get(ts.port(), "/static/css/site.css");
  EXPECT_EQ(res.body, "static /static/css/site.css");
}

TEST(ServeMuxSocket, HeadIsServedByGetWithoutBody) {
  testing::TestServer ts(api_mux());
  auto res = test::roundtrip(ts.port(), request("HEAD", "/items/7"), true);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("Content-Length"), "6");  // "item 7", counted but not sent
  EXPECT_EQ(res->body, "");
}

TEST(ServeMuxSocket, MethodNotAllowedHasSortedAllow) {
  testing::TestServer ts(api_mux());
  auto res = test::roundtrip(ts.port(), request("POST", "/items/42"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->header("Allow"), "DELETE, GET, HEAD");
  EXPECT_EQ(res->body, "Method Not Allowed\n");
  EXPECT_EQ(res->header("Content-Type"), "text/plain; charset=utf-8");

  res = test::roundtrip(ts.port(), request("DELETE", "/items/42"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
}

TEST(ServeMuxSocket, SubtreeRootRedirectsWithTrailingSlashAndQuery) {
  testing::TestServer ts(api_mux());
  auto res = test::get(ts.port(), "/static?v=3&x=%20");
  EXPECT_EQ(res.status, 301);
  EXPECT_EQ(res.header("Location"), "/static/?v=3&x=%20");
  EXPECT_EQ(res.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(res.body, "<a href=\"/static/?v=3&amp;x=%20\">Moved Permanently</a>.\n\n");

  res = test::get(ts.port(), "/files");  // a {path...} subtree redirects the same way
  EXPECT_EQ(res.status, 301);
  EXPECT_EQ(res.header("Location"), "/files/");
}

TEST(ServeMuxSocket, UncleanPathRedirectsToCleanPath) {
  testing::TestServer ts(api_mux());
  struct Case {
    std::string_view target, location;
  };
  for (const Case& c : {
           Case{"/items//42?full=1", "/items/42?full=1"},
           Case{"/items/./42", "/items/42"},
           Case{"/x/../items/42", "/items/42"},
           Case{"/../../items/42", "/items/42"},
           Case{"//static", "/static/"},
       }) {
    SCOPED_TRACE(c.target);
    auto res = test::get(ts.port(), c.target);
    EXPECT_EQ(res.status, 301);
    EXPECT_EQ(res.header("Location"), c.location);
  }
}

TEST(ServeMuxSocket, NotFound) {
  testing::TestServer ts(api_mux());
  auto res = test::get(ts.port(), "/nothing/here");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.body, "404 page not found\n");
  EXPECT_EQ(res.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(res.header("X-Content-Type-Options"), "nosniff");
}

TEST(ServeMuxSocket, HostPatternsUseHostHeaderWithoutPort) {
  testing::TestServer ts(api_mux());
  auto res = test::roundtrip(ts.port(), request("GET", "/items/1", "admin.test:8080"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "admin");
  res = test::roundtrip(ts.port(), request("GET", "/items/1", "ADMIN.test"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "admin");
  res = test::roundtrip(ts.port(), request("GET", "/items/1", "other.test"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "item 1");
}

TEST(ServeMuxSocket, TargetInvalidAfterPercentDecodingIsBadRequest) {
  // The server rejects these before routing; the mux never sees them.
  testing::TestServer ts(api_mux());
  for (std::string_view target : {"/items/%zz", "/items/%4", "/items/a%00b"}) {
    SCOPED_TRACE(target);
    auto res = test::roundtrip(ts.port(), request("GET", target));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
  }
}

TEST(ServeMuxSocket, RoutesAddedThroughACopyReachTheServer) {
  ServeMux mux = api_mux();
  Handler handler = mux;  // what the server holds: a copy sharing the route table
  mux.handle("/late", [](ResponseWriter& w, Request&) { w.write("late"); });
  testing::TestServer ts(handler);
  auto res = test::get(ts.port(), "/late");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "late");
}

TEST(ServeMuxSocket, KeepAliveAcrossOutcomes) {
  // Redirects, 404 and 405 are ordinary responses: the connection stays usable.
  testing::TestServer ts(api_mux());
  RawClient c(ts.port());
  struct Case {
    std::string_view method, target;
    int status;
  };
  for (const Case& x : {Case{"GET", "/static", 301}, Case{"GET", "/none", 404}, Case{"PUT", "/items/1", 405},
                        Case{"GET", "/items/1", 200}, Case{"HEAD", "/static", 301}}) {
    SCOPED_TRACE(x.target);
    c.send(std::string(x.method) + " " + std::string(x.target) + " HTTP/1.1\r\nHost: t\r\n\r\n");
    auto res = c.read_response(x.method == "HEAD");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, x.status);
  }
}

}  // namespace
}  // namespace nethttp
