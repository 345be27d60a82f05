#pragma once
// SseFeed: the bench server's server-sent event fan-out (bench/sse_fanout.py drives it).
//
// GET /events subscribes a client; a ticker thread broadcasts one event per interval to
// every subscriber, framed once (make_event) and sent with EventStream::send. The event's
// data is "<seq> <sent_ns> <padding>", sent_ns being CLOCK_MONOTONIC in nanoseconds
// (std::chrono::steady_clock, Python's time.monotonic_ns()) taken just before the
// broadcast, so a client on the same machine computes each event's latency. GET /sse-stats
// answers one JSON object with the feed's counters (below), including how many streams
// were ever found behind (their queue at output_high_water) and how many events were
// dropped for them: the proof that slow readers met the bound.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nethttp/event_stream.hpp"

namespace bench {

/// SseFeedOptions configures an SseFeed.
struct SseFeedOptions {
  std::size_t event_bytes = 4096;          ///< padding so each event is about this long
  std::chrono::milliseconds interval{50};  ///< time between broadcasts
  nethttp::SlowReaderPolicy slow_reader = nethttp::SlowReaderPolicy::DropEvents;
};

/// SseFeed owns the subscribers and the ticker thread. Thread-safe.
class SseFeed {
 public:
  explicit SseFeed(SseFeedOptions options);
  ~SseFeed();
  SseFeed(const SseFeed&) = delete;
  SseFeed& operator=(const SseFeed&) = delete;

  /// subscribe starts an event stream as the response (the handler of GET /events).
  void subscribe(nethttp::ResponseWriter& w, const nethttp::Request& r);
  /// stats_json is the body of GET /sse-stats.
  std::string stats_json();
  /// close_all ends every stream (at shutdown).
  void close_all();

 private:
  void run();
  void broadcast();

  const SseFeedOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<std::shared_ptr<nethttp::EventStream>> streams_;  // under mu_
  // Counters, under mu_; the per-stream ones fold in the closed streams when they are forgotten.
  std::uint64_t seq_ = 0;
  std::uint64_t subscribed_ = 0;
  std::uint64_t closed_ = 0, closed_fell_behind_ = 0, closed_dropped_ = 0;
  std::uint64_t max_broadcast_ns_ = 0;
  std::thread ticker_;
};

}  // namespace bench
