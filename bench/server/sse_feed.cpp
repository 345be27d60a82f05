#include "sse_feed.hpp"

#include <algorithm>
#include <utility>

namespace bench {

SseFeed::SseFeed(SseFeedOptions options) : options_(options), ticker_([this] { run(); }) {}

SseFeed::~SseFeed() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  ticker_.join();
  close_all();
}

void SseFeed::subscribe(nethttp::ResponseWriter& w, const nethttp::Request& r) {
  auto stream = nethttp::EventStream::start(
      w, r, {.heartbeat = std::chrono::milliseconds(0), .slow_reader = options_.slow_reader});
  std::lock_guard lock(mu_);
  ++subscribed_;
  streams_.push_back(std::move(stream));
}

void SseFeed::close_all() {
  std::lock_guard lock(mu_);
  for (auto& s : streams_) s->close();
}

void SseFeed::run() {
  std::unique_lock lock(mu_);
  auto next = std::chrono::steady_clock::now();
  while (!stop_) {
    next += options_.interval;
    if (cv_.wait_until(lock, next, [this] { return stop_; })) break;
    lock.unlock();
    broadcast();
    lock.lock();
  }
}

void SseFeed::broadcast() {
  std::vector<std::shared_ptr<nethttp::EventStream>> streams;
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(mu_);
    streams = streams_;
    seq = ++seq_;
  }
  const auto start = std::chrono::steady_clock::now();
  std::string data = std::to_string(seq) + " " + std::to_string(start.time_since_epoch().count()) + " ";
  if (data.size() < options_.event_bytes) data.append(options_.event_bytes - data.size(), 'p');
  nethttp::Event e;
  e.data = data;
  const nethttp::FormattedEvent event = nethttp::make_event(e);  // framed once for every client
  std::vector<nethttp::EventStream*> gone;
  for (const auto& s : streams) {
    if (!s->send(event)) gone.push_back(s.get());
  }
  const auto took = static_cast<std::uint64_t>((std::chrono::steady_clock::now() - start).count());
  std::lock_guard lock(mu_);
  max_broadcast_ns_ = std::max(max_broadcast_ns_, took);
  if (gone.empty()) return;
  std::erase_if(streams_, [&](const std::shared_ptr<nethttp::EventStream>& s) {
    if (std::find(gone.begin(), gone.end(), s.get()) == gone.end()) return false;
    ++closed_;
    closed_fell_behind_ += s->fell_behind() ? 1U : 0U;
    closed_dropped_ += s->dropped();
    return true;
  });
}

std::string SseFeed::stats_json() {
  std::lock_guard lock(mu_);
  std::uint64_t fell_behind = closed_fell_behind_, behind = 0, dropped = closed_dropped_;
  for (const auto& s : streams_) {
    fell_behind += s->fell_behind() ? 1U : 0U;
    behind += s->behind() ? 1U : 0U;
    dropped += s->dropped();
  }
  return "{\"events\":" + std::to_string(seq_) + ",\"subscribed\":" + std::to_string(subscribed_) +
         ",\"open\":" + std::to_string(streams_.size()) + ",\"closed\":" + std::to_string(closed_) +
         ",\"fell_behind\":" + std::to_string(fell_behind) + ",\"behind_now\":" + std::to_string(behind) +
         ",\"dropped\":" + std::to_string(dropped) +
         ",\"max_broadcast_ms\":" + std::to_string(static_cast<double>(max_broadcast_ns_) / 1e6) + "}\n";
}

}  // namespace bench
