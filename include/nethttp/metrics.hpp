#pragma once
/// \file metrics.hpp
/// MetricsRegistry: request counters and latency histograms in the Prometheus text format.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nethttp/handler.hpp"

namespace nethttp {

class Server;

/// MetricsRegistry counts the requests that pass through its middleware() and serves them,
/// with the server's own counters, in the Prometheus text exposition format 0.0.4 from its
/// handler():
///
///     nethttp_requests_total{method="GET",code="2xx"}   counter, by method and status class
///     nethttp_request_duration_seconds{le=...}          histogram, handler entry to response end
///     nethttp_requests_in_flight                        gauge
///     nethttp_requests_aborted_total                    counter, client left before the end
///     nethttp_response_body_bytes_total                 counter, body bytes of finished responses
///     nethttp_open_connections, nethttp_connections_accepted_total, nethttp_bytes_sent_total,
///     nethttp_loop_lag_seconds{loop="0"}                from Server::stats(), when attached
///
/// Methods outside the standard set count as method="other"; statuses outside 100..599
/// (0: the client left before a status) as code="other". The hot path takes no lock: each
/// thread that records gets its own shard of single-writer atomic counters, registered once
/// under a mutex, and a scrape sums the shards. A MetricsRegistry is a cheap handle: copies
/// share the same counters. Thread-safe.
class MetricsRegistry {
 public:
  /// MetricsRegistry uses buckets (upper bounds in seconds, sorted ascending; empty means
  /// Prometheus's defaults .005 to 10) for the duration histogram. Throws
  /// std::invalid_argument for unsorted or non-finite buckets.
  explicit MetricsRegistry(std::vector<double> buckets = {});

  /// attach makes scrapes include server's stats(). server must stay alive while attached;
  /// attach(nullptr) detaches. Usually called right after constructing the Server, whose
  /// handler already contains this registry's middleware. Thread-safe.
  void attach(const Server* server) const noexcept;
  /// middleware counts each request it wraps, at response finish (ResponseWriter::on_finish),
  /// so deferred responses count with their real status and duration.
  [[nodiscard]] Middleware middleware() const;
  /// reject_observer returns a callback that counts, like middleware() does, the responses
  /// the server writes itself when it rejects a request before any handler runs (400, 431,
  /// ...), with a duration of 0. Add it to ServerConfig::reject_observers.
  [[nodiscard]] std::function<void(const Request&, const ResponseStats&)> reject_observer() const;
  /// handler serves render() with `Content-Type: text/plain; version=0.0.4; charset=utf-8`.
  [[nodiscard]] Handler handler() const;
  /// render returns the current exposition text.
  [[nodiscard]] std::string render() const;

  /// State holds the shards that copies share; it is defined in the implementation.
  class State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace nethttp
