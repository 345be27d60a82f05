// Per-request values (Request::set_value / value): typed keys, replacement, copies, reset,
// and the values request_id() and basic_auth() leave for inner handlers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nethttp/middleware.hpp"
#include "nethttp/request.hpp"
#include "nethttp/testing.hpp"

namespace nethttp {
namespace {

struct User {
  std::string name;
  std::vector<std::string> roles;
};

const ContextKey<User> kUser{"user"};
const ContextKey<int> kCount{"count"};
const ContextKey<int> kOtherCount{"count"};  // same name and type, different key

TEST(RequestValues, TypedKeysDoNotCollide) {
  Request r("GET", "/");
  EXPECT_EQ(r.value(kUser), nullptr);
  r.set_value(kUser, User{"ann", {"admin"}});
  r.set_value(kCount, 1);
  ASSERT_NE(r.value(kUser), nullptr);
  EXPECT_EQ(r.value(kUser)->name, "ann");
  EXPECT_EQ(*r.value(kCount), 1);
  EXPECT_EQ(r.value(kOtherCount), nullptr);
  r.set_value(kCount, 2);  // replaces
  EXPECT_EQ(*r.value(kCount), 2);
  EXPECT_EQ(kUser.name(), "user");
}

TEST(RequestValues, CopiesCarryValuesAndResetClearsThem) {
  Request r("GET", "/");
  r.set_value(kCount, 5);
  Request copy = r;
  r.set_value(kCount, 6);
  EXPECT_EQ(*copy.value(kCount), 5);
  r.reset();
  EXPECT_EQ(r.value(kCount), nullptr);
}

TEST(RequestValues, RequestIdIsReadableFromTheContext) {
  std::string seen;
  Handler h = chain(
      [&](ResponseWriter& w, Request& r) {
        seen = std::string(request_id_of(r));
        w.write_header(204);
      },
      {request_id()});
  Request fresh("GET", "/");
  auto rec = testing::serve(h, fresh);
  EXPECT_EQ(seen.size(), 16u);
  EXPECT_EQ(rec->headers().get("X-Request-ID"), seen);

  Request incoming("GET", "/");
  incoming.headers().add("X-Request-ID", "abc-123");
  (void)testing::serve(h, incoming);
  EXPECT_EQ(seen, "abc-123");

  Request bare("GET", "/");
  EXPECT_EQ(request_id_of(bare), "");
}

TEST(RequestValues, BasicAuthUserIsReadableFromTheContext) {
  std::string seen = "unset";
  Handler h = chain(
      [&](ResponseWriter& w, Request& r) {
        seen = std::string(basic_auth_user(r));
        w.write_header(204);
      },
      {basic_auth("r", {{"ann", "pw1"}, {"bob", "pw2"}})});
  Request r("GET", "/");
  r.headers().add("Authorization", "Basic Ym9iOnB3Mg==");  // bob:pw2
  auto rec = testing::serve(h, r);
  EXPECT_EQ(rec->status(), 204);
  EXPECT_EQ(seen, "bob");

  seen = "unset";
  Request wrong("GET", "/");
  wrong.headers().add("Authorization", "Basic Ym9iOnB3MQ==");  // bob:pw1
  EXPECT_EQ(testing::serve(h, wrong)->status(), 401);
  EXPECT_EQ(seen, "unset");
  EXPECT_EQ(basic_auth_user(wrong), "");
}

}  // namespace
}  // namespace nethttp
