#include "metrics/prometheus_text.hpp"

#include <fmt/format.h>

namespace nethttp::detail {

namespace {
void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}
}  // namespace

void MetricsTotals::add(const MetricsShard& s) {
  for (std::size_t m = 0; m < requests.size(); ++m) {
    for (std::size_t c = 0; c < requests[m].size(); ++c) {
      requests[m][c] += s.requests[m][c].load(std::memory_order_relaxed);
    }
  }
  for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i] += s.buckets[i].load(std::memory_order_relaxed);
  duration_sum += s.duration_sum.load(std::memory_order_relaxed);
  duration_count += s.duration_count.load(std::memory_order_relaxed);
  in_flight += s.in_flight.load(std::memory_order_relaxed);
  aborted += s.aborted.load(std::memory_order_relaxed);
  body_bytes += s.body_bytes.load(std::memory_order_relaxed);
}

std::string render_request_metrics(const MetricsTotals& t, const std::vector<double>& bounds) {
  std::string out;
  out.reserve(2048);
  auto it = std::back_inserter(out);
  header(out, "nethttp_requests_total", "counter", "Requests served, by method and status class.");
  for (std::size_t m = 0; m < t.requests.size(); ++m) {
    for (std::size_t c = 0; c < t.requests[m].size(); ++c) {
      // Only series that have happened: 60 zero lines would bury the real ones.
      if (t.requests[m][c] == 0) continue;
      fmt::format_to(it, "nethttp_requests_total{{method=\"{}\",code=\"{}\"}} {}\n", kMetricMethods[m], kMetricCodes[c],
                     t.requests[m][c]);
    }
  }
  header(out, "nethttp_request_duration_seconds", "histogram",
         "Time from the handler's start to the end of the response.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += t.buckets[i];
    fmt::format_to(it, "nethttp_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", bounds[i], cumulative);
  }
  cumulative += t.buckets.back();
  fmt::format_to(it, "nethttp_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  fmt::format_to(it, "nethttp_request_duration_seconds_sum {}\n", t.duration_sum);
  fmt::format_to(it, "nethttp_request_duration_seconds_count {}\n", t.duration_count);
  header(out, "nethttp_requests_in_flight", "gauge", "Requests started and not yet finished.");
  fmt::format_to(it, "nethttp_requests_in_flight {}\n", t.in_flight < 0 ? 0 : t.in_flight);
  header(out, "nethttp_requests_aborted_total", "counter", "Responses abandoned because the client left.");
  fmt::format_to(it, "nethttp_requests_aborted_total {}\n", t.aborted);
  header(out, "nethttp_response_body_bytes_total", "counter", "Body bytes of finished responses.");
  fmt::format_to(it, "nethttp_response_body_bytes_total {}\n", t.body_bytes);
  return out;
}

std::string render_server_metrics(const ServerStats& stats) {
  std::string out;
  auto it = std::back_inserter(out);
  LoopStats total = stats.total();
  header(out, "nethttp_open_connections", "gauge", "Client connections open now.");
  fmt::format_to(it, "nethttp_open_connections {}\n", total.connections_open);
  header(out, "nethttp_connections_accepted_total", "counter", "Client connections accepted.");
  fmt::format_to(it, "nethttp_connections_accepted_total {}\n", total.connections_accepted);
  header(out, "nethttp_bytes_sent_total", "counter",
         "HTTP bytes written to clients, chunk framing included (over TLS: before encryption).");
  fmt::format_to(it, "nethttp_bytes_sent_total {}\n", total.bytes_sent);
  header(out, "nethttp_loop_lag_seconds", "gauge", "How late each event loop ran its last periodic tick.");
  for (std::size_t i = 0; i < stats.loops.size(); ++i) {
    fmt::format_to(it, "nethttp_loop_lag_seconds{{loop=\"{}\"}} {}\n", i, stats.loops[i].lag_seconds);
  }
  return out;
}

}  // namespace nethttp::detail
