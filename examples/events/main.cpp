// events: server-sent events with nethttp::EventStream.
//
//   events [--listen HOST:PORT] [--threads N] [--interval-ms N]
//
// GET /events is a text/event-stream feed: a "tick" event (id = its sequence number, data =
// the server's clock) every interval (500 ms by default), to every subscriber at once. A
// client that reconnects with Last-Event-ID gets a "resumed" event naming where it left off.
// GET / is a page that shows the feed with EventSource (?max=N closes it after N events,
// which the headless-browser check uses). A client that stops reading is dropped by the
// stream's slow-reader policy; the others are not slowed down.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/flag_set.hpp"
#include "common/serve.hpp"
#include "nethttp/event_stream.hpp"
#include "nethttp/helpers.hpp"
#include "nethttp/server.hpp"

namespace {

constexpr std::string_view kPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>nethttp events</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 40rem; }
  #state { color: #666; }
  li { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<h1>Server-sent events</h1>
<p id="state" data-state="connecting">connecting&hellip;</p>
<ul id="events" data-count="0"></ul>
<script>
  const max = Number(new URLSearchParams(location.search).get("max") || 0);
  const list = document.getElementById("events");
  const state = document.getElementById("state");
  const source = new EventSource("/events");
  let count = 0;
  source.onopen = () => { state.textContent = "connected"; state.dataset.state = "open"; };
  source.onerror = () => { state.textContent = "reconnecting…"; state.dataset.state = "error"; };
  source.addEventListener("tick", (e) => {
    const item = document.createElement("li");
    item.className = "tick";
    item.textContent = "#" + e.lastEventId + " " + e.data;
    list.prepend(item);
    while (list.children.length > 20) list.lastChild.remove();
    list.dataset.count = ++count;
    if (max > 0 && count >= max) {
      source.close();
      state.textContent = "received " + count + " events";
      state.dataset.state = "done";
    }
  });
</script>
</body>
</html>
)html";

// Feed is the set of subscribers and the thread that ticks.
class Feed {
 public:
  void subscribe(std::shared_ptr<nethttp::EventStream> s) {
    std::lock_guard lock(mu_);
    streams_.push_back(std::move(s));
  }
  // broadcast sends e to every open stream and forgets the closed ones.
  void broadcast(const nethttp::Event& e) {
    std::lock_guard lock(mu_);
    std::erase_if(streams_, [&](const std::shared_ptr<nethttp::EventStream>& s) { return !s->send(e); });
  }
  void close_all() {
    std::lock_guard lock(mu_);
    for (auto& s : streams_) s->close();
    streams_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<nethttp::EventStream>> streams_;
};

std::string clock_text() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  nethttp::ServerConfig config;
  unsigned interval_ms = 500;
  examples::FlagSet flags("events", "Server-sent events: GET /events is a ticker feed, GET / a page that shows it.",
                          config);
  flags.add_number("--interval-ms", "milliseconds between ticks (default 500)", interval_ms, 10u, 60'000u);
  if (std::optional<int> exit_code = flags.parse(argc, argv)) return *exit_code;

  Feed feed;
  std::atomic<std::uint64_t> seq{0};
  nethttp::Server server(config, [&](nethttp::ResponseWriter& w, nethttp::Request& r) {
    if (r.path() == "/events") {
      auto stream = nethttp::EventStream::start(w, r, {.retry = std::chrono::milliseconds(1000)});
      if (!stream->last_event_id().empty()) {
        stream->send({.data = "resumed after " + stream->last_event_id(), .event = "resumed"});
      }
      feed.subscribe(std::move(stream));
    } else if (r.path() == "/") {
      w.headers().set("Content-Type", "text/html; charset=utf-8");
      w.write(kPage);
    } else {
      nethttp::error(w, "404 page not found", nethttp::Status::NotFound);
    }
  });

  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::thread ticker([&] {
    std::unique_lock lock(mu);
    while (!stop) {
      if (cv.wait_for(lock, std::chrono::milliseconds(interval_ms), [&] { return stop; })) break;
      if (server.shutting_down()) {
        feed.close_all();  // long-lived streams end with the server: the drain need not wait
        continue;
      }
      const std::string id = std::to_string(++seq);
      feed.broadcast({.data = clock_text(), .event = "tick", .id = id});
    }
  });
  const int code = examples::serve("events", server, {.serving = "server-sent events"});
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  cv.notify_all();
  ticker.join();
  return code;
}
