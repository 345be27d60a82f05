// MetricsRegistry: counting through the middleware and the exposition text.

#include "nethttp/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "nethttp/testing.hpp"
#include "support/prometheus.hpp"

namespace nethttp {
namespace {

using test::parse_samples;

Handler app(const MetricsRegistry& m) {
  return chain(
      [](ResponseWriter& w, Request& r) {
        if (r.path() == "/missing") {
          error(w, "no", Status::NotFound);
        } else if (r.path() == "/moved") {
          w.write_header(Status::MovedPermanently);
        } else {
          w.write("hello");
        }
      },
      {m.middleware()});
}

TEST(Metrics, CountsByMethodAndStatusClass) {
  MetricsRegistry m;
  Handler h = app(m);
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/"}, {"GET", "/"}, {"POST", "/missing"}, {"HEAD", "/moved"}, {"BREW", "/"}}) {
    Request r(method, path);
    testing::serve(h, r);
  }
  auto s = parse_samples(m.render());
  EXPECT_EQ(s["nethttp_requests_total{method=\"GET\",code=\"2xx\"}"], 2);
  EXPECT_EQ(s["nethttp_requests_total{method=\"POST\",code=\"4xx\"}"], 1);
  EXPECT_EQ(s["nethttp_requests_total{method=\"HEAD\",code=\"3xx\"}"], 1);
  EXPECT_EQ(s["nethttp_requests_total{method=\"other\",code=\"2xx\"}"], 1);
  EXPECT_EQ(s.count("nethttp_requests_total{method=\"GET\",code=\"5xx\"}"), 0u);  // never-seen series omitted
  EXPECT_EQ(s["nethttp_request_duration_seconds_count"], 5);
  EXPECT_EQ(s["nethttp_request_duration_seconds_bucket{le=\"+Inf\"}"], 5);
  // operator[] would make up a 0 for a missing series, so ask for it first.
  ASSERT_EQ(s.count("nethttp_request_duration_seconds_sum"), 1u);
  EXPECT_GE(s["nethttp_request_duration_seconds_sum"], 0);
  EXPECT_EQ(s["nethttp_requests_in_flight"], 0);
  EXPECT_EQ(s["nethttp_response_body_bytes_total"], 3 * 5 + 3);  // three "hello", one "no\n"
  EXPECT_EQ(s.count("nethttp_open_connections"), 0u);            // no server attached
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  MetricsRegistry m({0.5, 1000});
  Handler h = app(m);
  for (int i = 0; i < 3; ++i) {
    Request r("GET", "/");
    testing::serve(h, r);
  }
  auto s = parse_samples(m.render());
  // Each request takes far less than 1000 s; the 0.5 bucket is at most the same count.
  EXPECT_EQ(s["nethttp_request_duration_seconds_bucket{le=\"1000\"}"], 3);
  EXPECT_LE(s["nethttp_request_duration_seconds_bucket{le=\"0.5\"}"], 3);
  EXPECT_EQ(s["nethttp_request_duration_seconds_bucket{le=\"+Inf\"}"], 3);
}

TEST(Metrics, DeferredRequestIsInFlightUntilItFinishes) {
  MetricsRegistry m;
  std::optional<DeferredResponse> parked;
  Handler h = chain([&](ResponseWriter& w, Request&) { parked = w.defer(); }, {m.middleware()});
  Request r("DELETE", "/x");
  auto rec = testing::serve(h, r);
  auto s = parse_samples(m.render());
  EXPECT_EQ(s["nethttp_requests_in_flight"], 1);
  EXPECT_EQ(s.count("nethttp_requests_total{method=\"DELETE\",code=\"5xx\"}"), 0u);
  std::thread([d = std::move(*parked)]() mutable {
    d.complete([](ResponseWriter& w) { w.write_header(Status::BadGateway); });
  }).join();
  ASSERT_TRUE(rec->wait_finished(std::chrono::seconds(5)));
  s = parse_samples(m.render());
  EXPECT_EQ(s["nethttp_requests_in_flight"], 0);
  EXPECT_EQ(s["nethttp_requests_total{method=\"DELETE\",code=\"5xx\"}"], 1);
}

TEST(Metrics, ShardsFromManyThreadsAddUp) {
  MetricsRegistry m;
  Handler h = app(m);
  std::vector<std::thread> threads;
  std::atomic<bool> stop{false};
  std::thread scraper([&] {
    while (!stop) (void)m.render();  // concurrent scrapes while threads record
  });
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) {
        Request r("GET", "/");
        testing::serve(h, r);
      }
    });
  }
  for (auto& t : threads) t.join();
  stop = true;
  scraper.join();
  auto s = parse_samples(m.render());
  EXPECT_EQ(s["nethttp_requests_total{method=\"GET\",code=\"2xx\"}"], 1000);
  EXPECT_EQ(s["nethttp_request_duration_seconds_count"], 1000);
}

TEST(Metrics, RegistriesAreIndependent) {
  MetricsRegistry a, b;
  Handler ha = app(a), hb = app(b);
  Request r("GET", "/");
  testing::serve(ha, r);
  testing::serve(ha, r);
  testing::serve(hb, r);
  EXPECT_EQ(parse_samples(a.render())["nethttp_request_duration_seconds_count"], 2);
  EXPECT_EQ(parse_samples(b.render())["nethttp_request_duration_seconds_count"], 1);
}

TEST(Metrics, HandlerServesPrometheusText) {
  MetricsRegistry m;
  Request r("GET", "/metrics");
  auto rec = testing::serve(m.handler(), r);
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(rec->header_map().get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  std::string body = rec->body();
  EXPECT_NE(body.find("# TYPE nethttp_requests_total counter\n"), std::string::npos);
  EXPECT_NE(body.find("# TYPE nethttp_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(body.find("nethttp_request_duration_seconds_bucket{le=\"0.005\"} 0\n"), std::string::npos);
  EXPECT_NE(body.find("nethttp_request_duration_seconds_bucket{le=\"10\"} 0\n"), std::string::npos);
  EXPECT_TRUE(body.ends_with("\n"));
}

TEST(Metrics, BadBucketsThrow) {
  EXPECT_THROW(MetricsRegistry({1, 1}), std::invalid_argument);
  EXPECT_THROW(MetricsRegistry({2, 1}), std::invalid_argument);
  EXPECT_THROW(MetricsRegistry({1, std::numeric_limits<double>::infinity()}), std::invalid_argument);
}

}  // namespace
}  // namespace nethttp
