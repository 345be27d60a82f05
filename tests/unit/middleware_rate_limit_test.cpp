// Rate limiting: token buckets (with explicit time), bounded keys, the 429 middleware.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "middleware/token_buckets.hpp"
#include "nethttp/middleware.hpp"
#include "nethttp/testing.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using detail::TokenBuckets;

TEST(TokenBuckets, BurstThenRefillAtRate) {
  TokenBuckets b(2.0, 3.0, 100);
  auto t0 = TokenBuckets::Clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.take("k", t0).allowed) << i;
  auto d = b.take("k", t0);
  EXPECT_FALSE(d.allowed);
  EXPECT_DOUBLE_EQ(d.retry_after.count(), 0.5);  // one token at 2 per second
  EXPECT_FALSE(b.take("k", t0 + 400ms).allowed);
  EXPECT_TRUE(b.take("k", t0 + 500ms).allowed);
  // Long idle refills to burst, not beyond.
  auto later = t0 + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.take("k", later).allowed);
  EXPECT_FALSE(b.take("k", later).allowed);
}

TEST(TokenBuckets, KeysAreIndependent) {
  TokenBuckets b(1.0, 1.0, 100);
  auto t0 = TokenBuckets::Clock::time_point{} + 1h;
  EXPECT_TRUE(b.take("a", t0).allowed);
  EXPECT_FALSE(b.take("a", t0).allowed);
  EXPECT_TRUE(b.take("b", t0).allowed);
}

TEST(TokenBuckets, MemoryIsBoundedAndLeastRecentlyUsedGoesFirst) {
  TokenBuckets b(1.0, 1.0, 3, /*shards=*/1);
  auto t0 = TokenBuckets::Clock::time_point{} + 1h;
  for (std::string_view k : {"a", "b", "c"}) EXPECT_TRUE(b.take(k, t0).allowed);
  EXPECT_FALSE(b.take("a", t0).allowed);  // touches "a": "b" is now the oldest
  EXPECT_TRUE(b.take("d", t0).allowed);   // evicts "b"
  EXPECT_EQ(b.size(), 3u);
  EXPECT_FALSE(b.take("a", t0).allowed);  // "a" was kept, still empty
  EXPECT_TRUE(b.take("b", t0).allowed);   // "b" was forgotten: a full bucket again
}

TEST(TokenBuckets, ShardedTotalNeverExceedsMaxKeys) {
  TokenBuckets b(1.0, 1.0, 100, 16);
  auto t0 = TokenBuckets::Clock::time_point{} + 1h;
  for (int i = 0; i < 5000; ++i) b.take("key" + std::to_string(i), t0);
  EXPECT_LE(b.size(), 100u);
  EXPECT_GT(b.size(), 50u);
}

TEST(TokenBuckets, ConcurrentTakersNeverOverspend) {
  TokenBuckets b(0.001, 100.0, 1000);
  auto t0 = TokenBuckets::Clock::time_point{} + 1h;
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (b.take("shared", t0).allowed) ++allowed;
        b.take("own" + std::to_string(t), t0);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 100);
}

TEST(TokenBuckets, InvalidSettingsThrow) {
  EXPECT_THROW(TokenBuckets(0, 1, 1), std::invalid_argument);
  EXPECT_THROW(TokenBuckets(1, 0.5, 1), std::invalid_argument);
  EXPECT_THROW(TokenBuckets(1, 1, 0), std::invalid_argument);
  EXPECT_THROW(rate_limit({.rate = -1}), std::invalid_argument);
}

TEST(RateLimit, Over429WithRetryAfterRoundedUp) {
  int calls = 0;
  // 1 request per 1000 s: the second request needs ~1000 s, whatever the test's speed.
  Handler h = chain(
      [&](ResponseWriter& w, Request&) {
        ++calls;
        w.write("ok");
      },
      {rate_limit({.rate = 0.001, .burst = 2})});
  auto send = [&](std::string_view addr) {
    Request r("GET", "/");
    r.set_remote_addr(addr);
    return testing::serve(h, r);
  };
  EXPECT_EQ(send("203.0.113.5:1000")->code(), 200);
  EXPECT_EQ(send("203.0.113.5:1001")->code(), 200);  // another port, same client
  auto limited = send("203.0.113.5:1002");
  EXPECT_EQ(limited->code(), 429);
  EXPECT_EQ(limited->header_map().get("Retry-After"), "1000");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(send("[2001:db8::1]:1000")->code(), 200);  // another client
  EXPECT_EQ(calls, 3);
}

TEST(RateLimit, RetryAfterIsAtLeastOneSecond) {
  Handler h = chain([](ResponseWriter&, Request&) {}, {rate_limit({.rate = 1000, .burst = 1})});
  Request r("GET", "/");
  r.set_remote_addr("10.0.0.1:1");
  testing::serve(h, r);
  auto rec = testing::serve(h, r);
  if (rec->code() == 429) {  // a slow machine may have refilled the token already
    EXPECT_EQ(rec->header_map().get("Retry-After"), "1");
  }
}

TEST(RateLimit, CustomKeyFunction) {
  Handler h =
      chain([](ResponseWriter&, Request&) {}, {rate_limit({.rate = 0.001, .burst = 1, .key = [](const Request& r) {
                                                             return std::string(r.header("X-API-Key"));
                                                           }})});
  auto send = [&](std::string_view key, std::string_view addr) {
    Request r("GET", "/");
    r.set_remote_addr(addr);
    r.headers().add("X-API-Key", key);
    return testing::serve(h, r)->code();
  };
  EXPECT_EQ(send("k1", "1.1.1.1:1"), 200);
  EXPECT_EQ(send("k1", "2.2.2.2:1"), 429);  // same key from another address
  EXPECT_EQ(send("k2", "1.1.1.1:1"), 200);
}

TEST(ClientIp, StripsPortAndBrackets) {
  struct Case {
    std::string_view in, want;
  };
  for (const Case& c :
       {Case{"1.2.3.4:5555", "1.2.3.4"}, Case{"[::1]:80", "::1"}, Case{"[fe80::1%eth0]:1", "fe80::1%eth0"},
        Case{"::1", "::1"}, Case{"1.2.3.4", "1.2.3.4"}, Case{"", ""}, Case{"[broken", "[broken"}}) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(client_ip(c.in), c.want);
  }
}

}  // namespace
}  // namespace nethttp
