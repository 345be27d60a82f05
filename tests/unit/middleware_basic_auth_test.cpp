// basic_auth: 401 with a challenge unless the credentials match; decoding and comparison.

#include <gtest/gtest.h>

#include "middleware/base64.hpp"
#include "middleware/constant_time.hpp"
#include "nethttp/middleware.hpp"
#include "nethttp/testing.hpp"

namespace nethttp {
namespace {

struct Fixture {
  int calls = 0;
  Handler h = chain(
      [this](ResponseWriter& w, Request&) {
        ++calls;
        w.write("secret");
      },
      {basic_auth("admin \"area\"", {{"alice", "wonder:land"}, {"bob", "builder"}})});

  std::unique_ptr<testing::ResponseRecorder> send(std::string_view authorization) {
    Request r("GET", "/admin");
    if (!authorization.empty()) r.headers().add("Authorization", authorization);
    return testing::serve(h, r);
  }
};

TEST(BasicAuth, ValidCredentialsReachHandler) {
  Fixture f;
  // "alice:wonder:land" and "bob:builder"; the scheme name is case-insensitive.
  for (std::string_view auth :
       {"Basic YWxpY2U6d29uZGVyOmxhbmQ=", "basic Ym9iOmJ1aWxkZXI=", "BASIC   Ym9iOmJ1aWxkZXI="}) {
    SCOPED_TRACE(auth);
    auto rec = f.send(auth);
    EXPECT_EQ(rec->code(), 200);
    EXPECT_EQ(rec->body(), "secret");
  }
  EXPECT_EQ(f.calls, 3);
}

TEST(BasicAuth, AnythingElseIs401WithChallenge) {
  struct Case {
    std::string_view why, auth;
  };
  for (const Case& c : {Case{"missing", ""}, Case{"wrong password", "Basic YWxpY2U6d29uZGVy"},  // alice:wonder
                        Case{"wrong user", "Basic Ym9iYjpidWlsZGVy"},                           // bobb:builder
                        Case{"swapped", "Basic Ym9iOndvbmRlcjpsYW5k"},                          // bob:wonder:land
                        Case{"no colon", "Basic YWxpY2U="},                                     // alice
                        Case{"bad base64", "Basic !!!!"}, Case{"unpadded", "Basic Ym9iOmJ1aWxkZXI"},
                        Case{"other scheme", "Bearer Ym9iOmJ1aWxkZXI="}, Case{"no space", "BasicYm9iOmJ1aWxkZXI="},
                        Case{"empty user and password", "Basic Og=="}}) {
    SCOPED_TRACE(c.why);
    Fixture f;
    auto rec = f.send(c.auth);
    EXPECT_EQ(rec->code(), 401);
    EXPECT_EQ(rec->header_map().get("WWW-Authenticate"), R"(Basic realm="admin \"area\"", charset="UTF-8")");
    EXPECT_EQ(f.calls, 0);
  }
}

TEST(Base64, DecodesStandardPaddedInput) {
  struct Case {
    std::string_view in;
    std::optional<std::string> want;
  };
  for (const Case& c :
       {Case{"", ""}, Case{"Zg==", "f"}, Case{"Zm8=", "fo"}, Case{"Zm9v", "foo"}, Case{"Zm9vYmFy", "foobar"},
        Case{"+/+/", "\xfb\xff\xbf"}, Case{"Zg=", std::nullopt}, Case{"Z===", std::nullopt},
        Case{"Zg==Zg==", std::nullopt}, Case{"Zm9-", std::nullopt}, Case{"Zm=v", std::nullopt}}) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(detail::base64_decode(c.in), c.want);
  }
}

TEST(ConstantTimeEquals, ComparesWholeValues) {
  EXPECT_EQ(detail::constant_time_equals("secret", "secret"), 1);
  EXPECT_EQ(detail::constant_time_equals("secreT", "secret"), 0);
  EXPECT_EQ(detail::constant_time_equals("secret1", "secret"), 0);
  EXPECT_EQ(detail::constant_time_equals("secre", "secret"), 0);
  EXPECT_EQ(detail::constant_time_equals("", "secret"), 0);
  EXPECT_EQ(detail::constant_time_equals("", ""), 1);
  EXPECT_EQ(detail::constant_time_equals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)), 0);
}

}  // namespace
}  // namespace nethttp
