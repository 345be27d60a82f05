#pragma once
// Rendering of MetricsRegistry's numbers in the Prometheus text exposition format 0.0.4
// (prometheus.io/docs/instrumenting/exposition_formats): "# HELP", "# TYPE", then one
// "name{labels} value" line per series.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "metrics/metrics_shard.hpp"
#include "nethttp/server.hpp"

namespace nethttp::detail {

/// MetricsTotals is the sum of every shard at one scrape.
struct MetricsTotals {
  explicit MetricsTotals(std::size_t bucket_count) : buckets(bucket_count + 1, 0) {}
  /// add reads one shard (relaxed loads) into the totals.
  void add(const MetricsShard& s);

  std::array<std::array<std::uint64_t, kMetricCodes.size()>, kMetricMethods.size()> requests{};
  std::vector<std::uint64_t> buckets;  // per bucket, last is +Inf
  double duration_sum = 0;
  std::uint64_t duration_count = 0;
  std::int64_t in_flight = 0;
  std::uint64_t aborted = 0;
  std::uint64_t body_bytes = 0;
};

/// render_request_metrics renders the middleware's series; bounds are the histogram's
/// upper bounds (without +Inf).
std::string render_request_metrics(const MetricsTotals& t, const std::vector<double>& bounds);

/// render_server_metrics renders a Server's stats(): open connections, accepted connections,
/// bytes sent, and per-loop lag.
std::string render_server_metrics(const ServerStats& stats);

}  // namespace nethttp::detail
