#pragma once
// The middleware example's application: a small JSON API behind the ready-made middleware.
// Header-only so that tests/integration/middleware_example_test.cpp can build the same chain
// in-process.
//
//   GET  /healthz, /readyz, /metrics       operations endpoints, outside the API chain
//   GET  /api/hello?name=N                 {"hello":"N","request_id":"..."} (any N gives valid JSON)
//   GET  /api/items                        a few KiB of JSON (gzip'd for clients that accept it)
//   POST /api/echo                         echoes the body (at most 64 KiB, else 413)
//   GET  /api/slow?ms=N                    sleeps N ms on the worker pool (503 past 2 s)
//   GET  /api/panic                        throws; recovery answers 500

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "nethttp/health.hpp"
#include "nethttp/helpers.hpp"
#include "nethttp/json_writer.hpp"
#include "nethttp/metrics.hpp"
#include "nethttp/middleware.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "nethttp/worker_pool.hpp"

namespace middleware_example {

/// AppOptions are the knobs main() and the tests turn.
struct AppOptions {
  nethttp::AccessLogOptions access_log{.format = nethttp::AccessLogFormat::Combined, .destination = "stdout"};
  nethttp::RateLimitOptions rate_limit{.rate = 50, .burst = 100};
  unsigned pool_threads = 4;
  std::size_t pool_queue = 64;
  std::chrono::milliseconds slow_timeout{2000};
  std::shared_ptr<nethttp::Logger> logger;  // null: default_logger()
};

/// App owns what the handlers share: the metrics registry, the worker pool and the root
/// router. handler() is what the Server serves; call bind(server) before serving so that
/// /readyz and the server metrics can see it.
class App {
 public:
  explicit App(const AppOptions& o)
      : access_log_(o.access_log),
        pool_(std::make_shared<nethttp::WorkerPool>(o.pool_threads, o.pool_queue, o.logger)) {
    using namespace nethttp;
    ServeMux api;
    api.handle("GET /api/hello", [](ResponseWriter& w, Request& r) {
      std::string name = r.query_value("name");
      if (name.empty()) name = "world";
      // JsonWriter escapes any bytes (even "%ff%fe", which is not UTF-8) into valid JSON;
      // request_id_of reads the id request_id() attached to the request.
      JsonWriter j;
      j.begin_object().member("hello", name).member("request_id", request_id_of(r)).end_object();
      write_json(w, j);
    });
    api.handle("GET /api/items", [](ResponseWriter& w, Request&) {
      JsonWriter j;
      j.begin_array();
      for (int i = 0; i < 100; ++i) {
        j.begin_object()
            .member("id", i)
            .member("name", "item " + std::to_string(i))
            .member("in_stock", true)
            .end_object();
      }
      write_json(w, j.end_array());
    });
    api.handle("POST /api/echo", max_bytes(
                                     [](ResponseWriter& w, Request& r) {
                                       w.headers().set("Content-Type", "application/octet-stream");
                                       w.write(r.body());
                                     },
                                     64 * 1024));
    // Blocking work goes to the pool; timeout_handler bounds how long the client waits.
    api.handle(
        "GET /api/slow",
        timeout_handler(offload(pool_,
                                [](ResponseWriter& w, Request& r) {
                                  long ms = std::strtol(r.query_value("ms").c_str(), nullptr, 10);
                                  std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp(ms, 0L, 10'000L)));
                                  JsonWriter j;
                                  write_json(w, j.begin_object().member("slept_ms", ms).end_object());
                                }),
                        o.slow_timeout, "503 the slow endpoint took too long\n"));
    api.handle("GET /api/panic", [](ResponseWriter&, Request&) -> void {
      throw std::runtime_error("the panic endpoint panicked, as asked");
    });

    CorsOptions cors_options;
    cors_options.allowed_origins = {"http://localhost:3000", "https://*.example.com"};
    cors_options.allowed_methods = {"GET", "POST"};
    cors_options.allowed_headers = {"Content-Type", "X-Request-ID"};
    cors_options.exposed_headers = {"X-Request-ID"};
    cors_options.max_age = std::chrono::hours(1);

    // Outermost first: every request gets an id, is logged, is protected by recovery and
    // counted, then CORS, rate limiting and compression apply to the API itself.
    Handler api_chain = chain(api, {
                                       request_id(),
                                       access_log_.middleware(),
                                       recovery(o.logger),
                                       metrics_.middleware(),
                                       cors(cors_options),
                                       rate_limit(o.rate_limit),
                                       gzip(),
                                   });
    root_.handle("GET /healthz", healthz());
    root_.handle("GET /metrics", metrics_.handler());
    root_.handle("/api/", api_chain);
  }

  /// bind connects /readyz and the server metrics to server. Call before serving.
  void bind(const nethttp::Server& server) {
    root_.handle("GET /readyz", nethttp::readyz(server));
    metrics_.attach(&server);
  }
  /// unbind detaches the metrics from a server about to be destroyed.
  void unbind() { metrics_.attach(nullptr); }

  [[nodiscard]] nethttp::Handler handler() const { return root_; }
  /// reject_observers are the access log's and the metrics' observers of requests the
  /// server rejects itself (400, 413, 431, ...): add them to ServerConfig::reject_observers
  /// so that those are logged and counted too.
  [[nodiscard]] std::vector<nethttp::ResponseObserver> reject_observers() const {
    return {access_log_.reject_observer(), metrics_.reject_observer()};
  }
  /// access_log is the API's access log.
  [[nodiscard]] const nethttp::AccessLog& access_log() const noexcept { return access_log_; }

 private:
  nethttp::AccessLog access_log_;
  nethttp::MetricsRegistry metrics_;
  std::shared_ptr<nethttp::WorkerPool> pool_;
  nethttp::ServeMux root_;
};

}  // namespace middleware_example
