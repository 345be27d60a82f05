// Metrics over a real socket: scrape after some traffic and check the counters, including
// the server's own stats.

#include "nethttp/metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "nethttp/testing.hpp"
#include "support/prometheus.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using test::parse_samples;

TEST(MetricsSocket, ScrapeCountsRequestsAndServerStats) {
  MetricsRegistry metrics;
  Handler routes = [&](ResponseWriter& w, Request& r) {
    if (r.path() == "/metrics") {
      metrics.handler().serve(w, r);
    } else if (r.path() == "/missing") {
      error(w, "404 page not found", Status::NotFound);
    } else {
      w.write("hello");
    }
  };
  auto config = testing::test_config();
  config.threads = 2;
  testing::TestServer ts(chain(routes, {metrics.middleware()}), config);
  metrics.attach(&ts.server());

  for (int i = 0; i < 5; ++i) EXPECT_EQ(test::get(ts.port(), "/").status, 200);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(test::get(ts.port(), "/missing").status, 404);
  test::RawClient post(ts.port());
  post.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(post.read_response());

  // With two loops, a request is counted on its own loop right after its last byte goes to
  // the kernel, so a scrape served by the other loop sees it in flight for as long as that
  // loop's thread is off the CPU in between, which the client's answer does not wait for: on
  // two busy cores a loop has been seen to wait 8 ms for its turn. Scrapes on one connection
  // are ordered (each is counted before the next is read): re-scrape, for up to 5 s, until
  // the 8 requests before them and the earlier scrapes are all recorded.
  test::RawClient scraper(ts.port());
  std::optional<test::ParsedResponse> res;
  std::map<std::string, double> s;
  int scrapes = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (; std::chrono::steady_clock::now() < give_up; ++scrapes) {
    scraper.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
    res = scraper.read_response();
    ASSERT_TRUE(res);
    s = parse_samples(res->body);
    if (s["nethttp_request_duration_seconds_count"] == 8 + scrapes) break;
  }
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(s["nethttp_requests_total{method=\"GET\",code=\"2xx\"}"], 5 + scrapes);
  EXPECT_EQ(s["nethttp_requests_total{method=\"GET\",code=\"4xx\"}"], 2);
  EXPECT_EQ(s["nethttp_requests_total{method=\"POST\",code=\"2xx\"}"], 1);
  EXPECT_EQ(s["nethttp_request_duration_seconds_count"], 8 + scrapes);
  EXPECT_EQ(s["nethttp_request_duration_seconds_bucket{le=\"+Inf\"}"], 8 + scrapes);
  EXPECT_EQ(s["nethttp_requests_in_flight"], 1);  // the scrape itself
  EXPECT_GE(s["nethttp_open_connections"], 2);    // post and scraper are still open
  EXPECT_GE(s["nethttp_connections_accepted_total"], 9);
  EXPECT_GT(s["nethttp_bytes_sent_total"], 0);
  EXPECT_EQ(s.count("nethttp_loop_lag_seconds{loop=\"0\"}"), 1u);
  EXPECT_EQ(s.count("nethttp_loop_lag_seconds{loop=\"1\"}"), 1u);

  // The scrape is counted once it finishes.
  scraper.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
  res = scraper.read_response();
  ASSERT_TRUE(res);
  s = parse_samples(res->body);
  EXPECT_EQ(s["nethttp_requests_total{method=\"GET\",code=\"2xx\"}"], 6 + scrapes);
  metrics.attach(nullptr);
}

}  // namespace
}  // namespace nethttp
