#pragma once
// MetricsShard: one thread's request counters for MetricsRegistry.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace nethttp::detail {

/// kMetricMethods are the method label values; anything else counts as "other", so a
/// client cannot blow up the number of series with made-up methods.
inline constexpr std::array<std::string_view, 10> kMetricMethods = {"GET",   "HEAD",    "POST",    "PUT",   "DELETE",
                                                                    "PATCH", "OPTIONS", "CONNECT", "TRACE", "other"};
/// kMetricCodes are the status class label values; index = status / 100 - 1, or 5 for other.
inline constexpr std::array<std::string_view, 6> kMetricCodes = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

std::size_t method_index(std::string_view method) noexcept;
std::size_t code_index(int status) noexcept;

/// MetricsShard holds the counters one thread records. Only its thread writes to it (with
/// plain load+store, no read-modify-write, since there is one writer); scrapes read it from
/// any thread. Atomics with relaxed order make that race-free: a scrape may miss an update
/// in progress, never see a torn value. Aligned so two threads' shards never share a line.
struct alignas(64) MetricsShard {
  explicit MetricsShard(std::size_t bucket_count)
      : buckets(std::make_unique<std::atomic<std::uint64_t>[]>(bucket_count + 1)) {}

  std::array<std::array<std::atomic<std::uint64_t>, kMetricCodes.size()>, kMetricMethods.size()> requests{};
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets;  // per bucket, not cumulative; last is +Inf
  std::atomic<double> duration_sum{0};
  std::atomic<std::uint64_t> duration_count{0};
  // Requests start and finish on the same loop thread as a rule, but a gauge built from
  // per-thread parts may go negative in one shard; only the sum means anything.
  std::atomic<std::int64_t> in_flight{0};
  std::atomic<std::uint64_t> aborted{0};
  std::atomic<std::uint64_t> body_bytes{0};
};

/// bump adds n to a counter that only the calling thread writes.
template <class T>
inline void bump(std::atomic<T>& a, T n) noexcept {
  a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace nethttp::detail
