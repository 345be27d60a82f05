// MetricsRegistry: per-thread shards, summed at scrape time.
//
// The hot path (one request) touches only the calling thread's shard, found through a
// thread_local list of (registry id, shard) pairs; the registry's mutex is taken once per
// thread, to register its shard, and by scrapes. Registry ids are never reused, so an entry
// left behind by a destroyed registry can never be mistaken for a live one; such entries
// are pruned when a thread registers with a new registry.

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "metrics/metrics_shard.hpp"
#include "metrics/prometheus_text.hpp"
#include "nethttp/metrics.hpp"
#include "nethttp/server.hpp"

namespace nethttp {

namespace detail {

std::size_t method_index(std::string_view method) noexcept {
  for (std::size_t i = 0; i + 1 < kMetricMethods.size(); ++i) {
    if (kMetricMethods[i] == method) return i;
  }
  return kMetricMethods.size() - 1;
}

std::size_t code_index(int status) noexcept {
  if (status < 100 || status > 599) return kMetricCodes.size() - 1;
  return static_cast<std::size_t>(status / 100 - 1);
}

}  // namespace detail

namespace {
std::atomic<std::uint64_t> next_registry_id{1};

std::vector<double> check_buckets(std::vector<double> b) {
  if (b.empty()) b = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};  // Prometheus's defaults
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (!std::isfinite(b[i]) || (i > 0 && !(b[i] > b[i - 1]))) {
      throw std::invalid_argument("MetricsRegistry: buckets must be finite and strictly ascending");
    }
  }
  return b;
}
}  // namespace

class MetricsRegistry::State : public std::enable_shared_from_this<State> {
 public:
  explicit State(std::vector<double> buckets) : buckets_(check_buckets(std::move(buckets))) {}

  detail::MetricsShard& local() {
    struct Entry {
      std::uint64_t id;
      detail::MetricsShard* shard;
      std::weak_ptr<State> owner;
    };
    thread_local std::vector<Entry> mine;
    for (const Entry& e : mine) {
      if (e.id == id_) return *e.shard;
    }
    std::erase_if(mine, [](const Entry& e) { return e.owner.expired(); });
    detail::MetricsShard* shard;
    {
      std::lock_guard lock(mu_);
      shards_.push_back(std::make_unique<detail::MetricsShard>(buckets_.size()));
      shard = shards_.back().get();
    }
    mine.push_back({id_, shard, weak_from_this()});
    return *shard;
  }

  void observe(std::size_t method, const ResponseStats& stats, double seconds) {
    detail::MetricsShard& s = local();
    detail::bump<std::int64_t>(s.in_flight, -1);
    detail::bump<std::uint64_t>(s.requests[method][detail::code_index(stats.status)], 1);
    // First bucket whose upper bound holds the value; past the last, +Inf.
    auto it = std::lower_bound(buckets_.begin(), buckets_.end(), seconds);
    detail::bump<std::uint64_t>(s.buckets[static_cast<std::size_t>(it - buckets_.begin())], 1);
    detail::bump<double>(s.duration_sum, seconds);
    detail::bump<std::uint64_t>(s.duration_count, 1);
    detail::bump<std::uint64_t>(s.body_bytes, stats.body_bytes);
    if (!stats.completed) detail::bump<std::uint64_t>(s.aborted, 1);
  }

  std::string render() const;

  const std::uint64_t id_ = next_registry_id.fetch_add(1);
  const std::vector<double> buckets_;
  std::atomic<const Server*> server_{nullptr};

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<detail::MetricsShard>> shards_;  // guarded by mu_; never shrinks
};

std::string MetricsRegistry::State::render() const {
  detail::MetricsTotals t(buckets_.size());
  {
    std::lock_guard lock(mu_);
    for (const auto& s : shards_) t.add(*s);
  }
  std::string out = detail::render_request_metrics(t, buckets_);
  if (const Server* server = server_.load(std::memory_order_acquire)) {
    out += detail::render_server_metrics(server->stats());
  }
  return out;
}

MetricsRegistry::MetricsRegistry(std::vector<double> buckets) : state_(std::make_shared<State>(std::move(buckets))) {}

void MetricsRegistry::attach(const Server* server) const noexcept {
  state_->server_.store(server, std::memory_order_release);
}

Middleware MetricsRegistry::middleware() const {
  return [state = state_](Handler next) -> Handler {
    return [state, next = std::move(next)](ResponseWriter& w, Request& r) {
      const std::size_t method = detail::method_index(r.method());
      const auto started = std::chrono::steady_clock::now();
      detail::bump<std::int64_t>(state->local().in_flight, 1);
      w.on_finish([state, method, started](const ResponseStats& stats) {
        std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        state->observe(method, stats, took.count());
      });
      next.serve(w, r);
    };
  };
}

std::function<void(const Request&, const ResponseStats&)> MetricsRegistry::reject_observer() const {
  return [state = state_](const Request& r, const ResponseStats& stats) {
    detail::bump<std::int64_t>(state->local().in_flight, 1);  // observe() counts it out again
    state->observe(detail::method_index(r.method()), stats, 0.0);
  };
}

Handler MetricsRegistry::handler() const {
  return [state = state_](ResponseWriter& w, Request&) {
    std::string body = state->render();
    w.headers().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    w.headers().set("Cache-Control", "no-store");
    w.write_header(Status::OK);
    w.write(body);
  };
}

std::string MetricsRegistry::render() const { return state_->render(); }

}  // namespace nethttp
