// CORS: preflights answered by the middleware, actual requests decorated, Vary correct.

#include <gtest/gtest.h>

#include "nethttp/middleware.hpp"
#include "nethttp/testing.hpp"

namespace nethttp {
namespace {

struct Fixture {
  int calls = 0;
  Handler h;
  explicit Fixture(CorsOptions o) {
    h = chain(
        [this](ResponseWriter& w, Request&) {
          ++calls;
          w.write("body");
        },
        {cors(std::move(o))});
  }
  std::unique_ptr<testing::ResponseRecorder> send(std::string_view method, std::string_view origin,
                                                  std::string_view acrm = {}, std::string_view acrh = {}) {
    Request r(method, "/api");
    if (!origin.empty()) r.headers().add("Origin", origin);
    if (!acrm.empty()) r.headers().add("Access-Control-Request-Method", acrm);
    if (!acrh.empty()) r.headers().add("Access-Control-Request-Headers", acrh);
    return testing::serve(h, r);
  }
};

CorsOptions app_options() {
  CorsOptions o;
  o.allowed_origins = {"https://app.example", "https://*.trusted.example"};
  o.allowed_methods = {"GET", "POST", "DELETE"};
  o.allowed_headers = {"Content-Type", "X-Token"};
  o.exposed_headers = {"X-Total", "X-Page"};
  o.max_age = std::chrono::seconds(600);
  return o;
}

bool has_cors_headers(const Headers& h) {
  for (HeaderField f : h) {
    if (f.name.starts_with("Access-Control-")) return true;
  }
  return false;
}

TEST(Cors, AllowedPreflightIs204WithAllowHeadersAndSkipsHandler) {
  Fixture f(app_options());
  auto rec = f.send("OPTIONS", "https://app.example", "DELETE", "x-token, content-type");
  EXPECT_EQ(rec->code(), 204);
  EXPECT_EQ(f.calls, 0);
  const Headers& h = rec->header_map();
  EXPECT_EQ(h.get("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(h.get("Access-Control-Allow-Methods"), "GET, POST, DELETE");
  EXPECT_EQ(h.get("Access-Control-Allow-Headers"), "x-token, content-type");
  EXPECT_EQ(h.get("Access-Control-Max-Age"), "600");
  EXPECT_FALSE(h.has("Access-Control-Allow-Credentials"));
  EXPECT_EQ(h.values("Vary"), (std::vector<std::string_view>{"Origin", "Access-Control-Request-Method",
                                                             "Access-Control-Request-Headers"}));
  EXPECT_EQ(rec->body(), "");
}

TEST(Cors, RejectedPreflightIs204WithoutCorsHeaders) {
  struct Case {
    std::string_view why, origin, method, headers;
  };
  for (const Case& c :
       {Case{"origin", "https://evil.example", "GET", ""}, Case{"method", "https://app.example", "PATCH", ""},
        Case{"method case", "https://app.example", "delete", ""},
        Case{"header", "https://app.example", "GET", "X-Token, X-Other"},
        Case{"lookalike origin", "https://app.example.evil", "GET", ""},
        Case{"wildcard needs a subdomain", "https://trusted.example", "GET", ""}}) {
    SCOPED_TRACE(c.why);
    Fixture f(app_options());
    auto rec = f.send("OPTIONS", c.origin, c.method, c.headers);
    EXPECT_EQ(rec->code(), 204);
    EXPECT_EQ(f.calls, 0);
    EXPECT_FALSE(has_cors_headers(rec->header_map()));
    EXPECT_TRUE(rec->header_map().has("Vary"));
  }
}

TEST(Cors, ActualRequestFromAllowedOriginGetsAllowOriginAndVary) {
  Fixture f(app_options());
  for (std::string_view origin : {"https://app.example", "https://api.trusted.example"}) {
    SCOPED_TRACE(origin);
    auto rec = f.send("GET", origin);
    EXPECT_EQ(rec->code(), 200);
    EXPECT_EQ(rec->body(), "body");
    EXPECT_EQ(rec->header_map().get("Access-Control-Allow-Origin"), origin);
    EXPECT_EQ(rec->header_map().get("Access-Control-Expose-Headers"), "X-Total, X-Page");
    EXPECT_EQ(rec->header_map().get("Vary"), "Origin");
    EXPECT_FALSE(rec->header_map().has("Access-Control-Allow-Methods"));
  }
  EXPECT_EQ(f.calls, 2);
}

TEST(Cors, DisallowedOrNoOriginGetsNoCorsHeadersButStillVaries) {
  Fixture f(app_options());
  for (std::string_view origin : {"https://evil.example", ""}) {
    SCOPED_TRACE(origin);
    auto rec = f.send("POST", origin);
    EXPECT_EQ(rec->code(), 200);  // the browser, not the server, withholds the answer
    EXPECT_FALSE(has_cors_headers(rec->header_map()));
    EXPECT_EQ(rec->header_map().get("Vary"), "Origin");
  }
  EXPECT_EQ(f.calls, 2);
}

TEST(Cors, AnyOriginWithoutCredentialsSendsStarAndNoVary) {
  Fixture f(CorsOptions{});
  auto rec = f.send("GET", "https://whoever.example");
  EXPECT_EQ(rec->header_map().get("Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(rec->header_map().has("Vary"));
  auto pre = f.send("OPTIONS", "https://whoever.example", "POST", "content-type");
  EXPECT_EQ(pre->code(), 204);
  EXPECT_EQ(pre->header_map().get("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(pre->header_map().get("Access-Control-Allow-Headers"), "content-type");
  EXPECT_FALSE(pre->header_map().has("Access-Control-Max-Age"));
}

TEST(Cors, CredentialsEchoOriginInsteadOfStar) {
  CorsOptions o;
  o.allow_credentials = true;
  o.allowed_headers = {"*"};
  Fixture f(o);
  auto rec = f.send("GET", "https://a.example");
  EXPECT_EQ(rec->header_map().get("Access-Control-Allow-Origin"), "https://a.example");
  EXPECT_EQ(rec->header_map().get("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(rec->header_map().get("Vary"), "Origin");
  // With credentials "*" is not a header wildcard (Fetch standard), so X-Custom is refused.
  auto pre = f.send("OPTIONS", "https://a.example", "GET", "X-Custom");
  EXPECT_FALSE(has_cors_headers(pre->header_map()));
}

TEST(Cors, WildcardHeadersWithoutCredentials) {
  CorsOptions o;
  o.allowed_headers = {"*"};
  Fixture f(o);
  auto pre = f.send("OPTIONS", "https://a.example", "GET", "X-Anything, X-Else");
  EXPECT_EQ(pre->header_map().get("Access-Control-Allow-Headers"), "X-Anything, X-Else");
}

TEST(Cors, OptionsWithoutRequestMethodIsAnOrdinaryRequest) {
  Fixture f(app_options());
  auto rec = f.send("OPTIONS", "https://app.example");
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(f.calls, 1);
  EXPECT_EQ(rec->header_map().get("Access-Control-Allow-Origin"), "https://app.example");
}

TEST(Cors, PatternWithTwoStarsThrows) {
  CorsOptions o;
  o.allowed_origins = {"https://*.*.example"};
  EXPECT_THROW(cors(o), std::invalid_argument);
}

}  // namespace
}  // namespace nethttp
