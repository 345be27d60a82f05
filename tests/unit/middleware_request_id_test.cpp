// request_id: keep a sane incoming id, or make one, and show it to handler and client.

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "nethttp/middleware.hpp"
#include "nethttp/testing.hpp"

namespace nethttp {
namespace {

bool is_hex16(std::string_view id) {
  return id.size() == 16 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

TEST(RequestId, GeneratesIdVisibleToHandlerAndClient) {
  std::string seen;
  Handler h = chain([&](ResponseWriter&, Request& r) { seen = r.header("X-Request-ID"); }, {request_id()});
  Request r("GET", "/");
  auto rec = testing::serve(h, r);
  EXPECT_TRUE(is_hex16(seen)) << seen;
  EXPECT_EQ(rec->header_map().get("X-Request-ID"), seen);
}

TEST(RequestId, KeepsValidIncomingId) {
  std::string seen;
  Handler h = chain([&](ResponseWriter&, Request& r) { seen = r.header("X-Request-ID"); }, {request_id()});
  Request r("GET", "/");
  r.headers().add("x-request-id", "upstream-4f2a");
  auto rec = testing::serve(h, r);
  EXPECT_EQ(seen, "upstream-4f2a");
  EXPECT_EQ(rec->header_map().get("X-Request-ID"), "upstream-4f2a");
}

TEST(RequestId, ReplacesUnsafeOrUntrustedIncomingId) {
  struct Case {
    std::string incoming;
    bool trust;
  };
  for (const Case& c : {Case{"has space", true}, Case{"line\r\nbreak", true}, Case{std::string(129, 'a'), true},
                        Case{"caf\xc3\xa9", true}, Case{"fine-but-untrusted", false}}) {
    SCOPED_TRACE(c.incoming);
    std::string seen;
    Handler h = chain([&](ResponseWriter&, Request& r) { seen = r.header("X-Request-ID"); },
                      {request_id({.trust_incoming = c.trust})});
    Request r("GET", "/");
    r.headers().add("X-Request-ID", c.incoming);
    auto rec = testing::serve(h, r);
    EXPECT_TRUE(is_hex16(seen)) << seen;
    EXPECT_EQ(r.headers().values("X-Request-ID").size(), 1u);
    EXPECT_EQ(rec->header_map().get("X-Request-ID"), seen);
  }
}

TEST(RequestId, CustomHeaderName) {
  Handler h = chain([](ResponseWriter&, Request&) {}, {request_id({.header = "X-Trace"})});
  Request r("GET", "/");
  auto rec = testing::serve(h, r);
  EXPECT_TRUE(is_hex16(rec->header_map().get("X-Trace")));
  EXPECT_FALSE(rec->header_map().has("X-Request-ID"));
}

TEST(RequestId, IdsAreUniqueAcrossThreads) {
  std::mutex mu;
  std::set<std::string> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 2000; ++i) mine.push_back(new_request_id());
      std::lock_guard lock(mu);
      ids.insert(mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ids.size(), 8000u);
  for (const auto& id : ids) ASSERT_TRUE(is_hex16(id)) << id;
}

}  // namespace
}  // namespace nethttp
