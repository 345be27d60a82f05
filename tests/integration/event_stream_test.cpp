// Server-sent events over real sockets: framing and Last-Event-ID, heartbeats, the gzip
// middleware stepping aside, write_timeout closing a stalled reader, and 1,000 clients of
// which 100 never read.
#include "nethttp/event_stream.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nethttp/middleware.hpp"
#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/process_memory.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using test::RawClient;
using Clock = std::chrono::steady_clock;

// Dechunker turns the bytes of one chunked HTTP response into its head and body, fed in
// whatever pieces the socket gives.
class Dechunker {
 public:
  void feed(std::string_view bytes) {
    raw_.append(bytes);
    for (;;) {
      if (!head_done_) {
        const std::size_t end = raw_.find("\r\n\r\n");
        if (end == std::string::npos) return;
        head_ = raw_.substr(0, end);
        raw_.erase(0, end + 4);
        head_done_ = true;
      }
      if (ended_) return;
      if (chunk_left_ == 0) {
        const std::size_t eol = raw_.find("\r\n");
        if (eol == std::string::npos) return;
        std::size_t size = 0;
        std::from_chars(raw_.data(), raw_.data() + eol, size, 16);
        raw_.erase(0, eol + 2);
        if (size == 0) {
          ended_ = true;
          return;
        }
        chunk_left_ = size + 2;  // data and its CRLF
      }
      const std::size_t take = std::min(chunk_left_, raw_.size());
      if (take == 0) return;
      const std::size_t data = chunk_left_ > 2 ? std::min(take, chunk_left_ - 2) : 0;
      body_.append(raw_, 0, data);
      raw_.erase(0, take);
      chunk_left_ -= take;
    }
  }
  [[nodiscard]] const std::string& head() const { return head_; }
  std::string& body() { return body_; }
  [[nodiscard]] bool ended() const { return ended_; }

 private:
  std::string raw_, head_, body_;
  std::size_t chunk_left_ = 0;
  bool head_done_ = false;
  bool ended_ = false;
};

// SseClient reads one event stream with a blocking socket.
class SseClient {
 public:
  SseClient(std::uint16_t port, std::string_view extra_headers = {}) : c_(port, {.timeout = 10s}) {
    c_.send("GET /events HTTP/1.1\r\nHost: t\r\n" + std::string(extra_headers) + "\r\n");
  }
  // wait_for reads until the de-chunked body contains s; false at the deadline or close.
  bool wait_for(std::string_view s, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    while (d_.body().find(s) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms) return false;
      pollfd p{c_.fd(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[16384];
      ssize_t n = ::recv(c_.fd(), buf, sizeof buf, 0);
      if (n <= 0) return false;
      d_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    }
    return true;
  }
  Dechunker& stream() { return d_; }
  RawClient& raw() { return c_; }

 private:
  RawClient c_;
  Dechunker d_;
};

// Hub hands the streams the handler starts to the test thread.
struct Hub {
  std::mutex mu;
  std::vector<std::shared_ptr<EventStream>> streams;
  void add(std::shared_ptr<EventStream> s) {
    std::lock_guard lock(mu);
    streams.push_back(std::move(s));
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return streams.size();
  }
  std::shared_ptr<EventStream> at(std::size_t i) {
    std::lock_guard lock(mu);
    return streams.at(i);
  }
  bool wait_size(std::size_t n, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = Clock::now() + timeout;
    while (size() < n) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }
};

// stream_per_client is the fan-out tests' handler: "/ping" answers "pong", and "/events/N"
// starts the stream of client N with options, whichever loop and order it arrives in,
// keeping it in hub and in by_client[N] (under hub.mu).
Handler stream_per_client(Hub& hub, std::vector<std::shared_ptr<EventStream>>& by_client, EventStreamOptions options) {
  return [&hub, &by_client, options](ResponseWriter& w, Request& r) {
    if (r.path() == "/ping") {
      w.write("pong");
      return;
    }
    std::size_t n = 0;
    std::string_view p = r.path().substr(std::string_view("/events/").size());
    std::from_chars(p.data(), p.data() + p.size(), n);
    auto s = EventStream::start(w, r, options);
    std::lock_guard lock(hub.mu);
    by_client.at(n) = s;
    hub.streams.push_back(std::move(s));
  };
}

// connect_clients opens n clients, client i asking for /events/i; clients 0..stalled-1 get
// an 8 KiB receive buffer (set before connect, so the TCP window is small too): they are the
// ones that will never read.
std::vector<std::unique_ptr<RawClient>> connect_clients(std::uint16_t port, int n, int stalled) {
  std::vector<std::unique_ptr<RawClient>> conns;
  for (int i = 0; i < n; ++i) {
    const bool stall = i < stalled;
    conns.push_back(std::make_unique<RawClient>(
        port, test::RawClientOptions{.timeout = 10s, .receive_buffer = stall ? 8 * 1024 : 0}));
    conns.back()->send("GET /events/" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n");
  }
  return conns;
}

TEST(EventStreamFormat, FieldsAndMultiLineData) {
  EXPECT_EQ(format_event({.data = "one\ntwo\r\nthree\rfour", .event = "tick", .id = "7", .retry = 1500ms}),
            "id: 7\nevent: tick\nretry: 1500\ndata: one\ndata: two\ndata: three\ndata: four\n\n");
  EXPECT_EQ(format_event({.data = ""}), "data: \n\n");
  EXPECT_EQ(format_event({.data = "x", .event = "a\nb", .id = "1\r2"}), "id: 1 2\nevent: a b\ndata: x\n\n");
}

TEST(EventStream, FramingAndLastEventId) {
  Hub hub;
  testing::TestServer ts(
      [&](ResponseWriter& w, Request& r) { hub.add(EventStream::start(w, r, {.heartbeat = 0ms, .retry = 2500ms})); });
  SseClient c(ts.port(), "Last-Event-ID: 41\r\n");
  ASSERT_TRUE(hub.wait_size(1));
  auto s = hub.at(0);
  EXPECT_EQ(s->last_event_id(), "41");
  ASSERT_TRUE(c.wait_for("retry: 2500\n\n"));
  const std::string& head = c.stream().head();
  EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(head.find("Cache-Control: no-cache"), std::string::npos);
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_TRUE(s->send({.data = "hello\nworld", .event = "greeting", .id = "42"}));
  EXPECT_TRUE(s->comment("just saying"));
  ASSERT_TRUE(c.wait_for(": just saying\n\n"));
  EXPECT_NE(c.stream().body().find("id: 42\nevent: greeting\ndata: hello\ndata: world\n\n"), std::string::npos);
  s->close();
  EXPECT_TRUE(s->closed());
  EXPECT_FALSE(s->send("late"));
  c.wait_for("never", 2s);
  EXPECT_TRUE(c.stream().ended()) << "close() ends the chunked body";
}

TEST(EventStream, HeartbeatsKeepComing) {
  Hub hub;
  testing::TestServer ts(
      [&](ResponseWriter& w, Request& r) { hub.add(EventStream::start(w, r, {.heartbeat = 30ms})); });
  SseClient c(ts.port());
  ASSERT_TRUE(c.wait_for(":\n\n:\n\n:\n\n"));
}

TEST(EventStream, GzipMiddlewareLeavesTheStreamAlone) {
  Hub hub;
  testing::TestServer ts(
      chain([&](ResponseWriter& w, Request& r) { hub.add(EventStream::start(w, r, {.heartbeat = 0ms})); },
            {gzip({.min_bytes = 1})}));
  SseClient c(ts.port(), "Accept-Encoding: gzip\r\n");
  ASSERT_TRUE(hub.wait_size(1));
  EXPECT_TRUE(hub.at(0)->send("plain"));
  ASSERT_TRUE(c.wait_for("data: plain\n\n"));
  EXPECT_EQ(c.stream().head().find("Content-Encoding"), std::string::npos) << c.stream().head();
}

TEST(EventStream, DroppedHandleEndsTheStream) {
  testing::TestServer ts([&](ResponseWriter& w, Request& r) {
    auto s = EventStream::start(w, r, {.heartbeat = 20ms});
    s->send("only");
  });  // the handler keeps no reference
  SseClient c(ts.port());
  c.wait_for("never", 2s);
  EXPECT_NE(c.stream().body().find("data: only\n\n"), std::string::npos);
  EXPECT_TRUE(c.stream().ended());
}

// A client that stops reading: its events are dropped past the high-water mark, and
// write_timeout closes the connection even though the stream is long-lived.
TEST(EventStream, WriteTimeoutClosesAStalledReader) {
  ServerConfig config = testing::test_config();
  config.write_timeout = 300ms;
  config.handler_timeout = 100ms;  // long-lived: must not be what ends it
  config.output_high_water = 32 * 1024;
  Hub hub;
  testing::TestServer ts(
      [&](ResponseWriter& w, Request& r) {
        hub.add(EventStream::start(w, r, {.heartbeat = 0ms, .slow_reader = SlowReaderPolicy::DropEvents}));
      },
      config);
  RawClient c(ts.port(), {.timeout = 10s, .receive_buffer = 8 * 1024});
  c.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(hub.wait_size(1));
  auto s = hub.at(0);
  const std::string payload(4096, 'e');
  const auto deadline = Clock::now() + 10s;
  while (!s->closed() && Clock::now() < deadline) {
    s->send(payload);
    std::this_thread::sleep_for(2ms);  // a producer's pace, not a wait
  }
  EXPECT_TRUE(s->closed()) << "write_timeout must close a reader that stalls";
  EXPECT_GT(s->dropped(), 0u);
}

// SlowReaderPolicy::Close (the default) ends the stream of a client that fell behind by the
// high-water mark, without waiting for write_timeout.
TEST(EventStream, ClosePolicyEndsTheStreamOfAClientThatFellBehind) {
  ServerConfig config = testing::test_config();
  config.write_timeout = 60s;
  config.output_high_water = 32 * 1024;
  Hub hub;
  testing::TestServer ts([&](ResponseWriter& w, Request& r) { hub.add(EventStream::start(w, r, {.heartbeat = 0ms})); },
                         config);
  RawClient c(ts.port(), {.timeout = 10s, .receive_buffer = 8 * 1024});
  c.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(hub.wait_size(1));
  auto s = hub.at(0);
  const FormattedEvent e = make_event({.data = std::string(4096, 'e')});
  int sent = 0;
  const auto deadline = Clock::now() + 10s;
  while (s->send(e) && Clock::now() < deadline) {
    ++sent;
    std::this_thread::sleep_for(1ms);  // a producer's pace, not a wait
  }
  EXPECT_TRUE(s->closed());
  EXPECT_EQ(s->dropped(), 0u);
  std::printf("[ measure ] stream closed by the Close policy after %d events of 4 KiB\n", sent);
  // The client reads what was queued, then the end of the stream.
  const std::string all = c.read_until_close();
  EXPECT_NE(all.find("\r\n0\r\n\r\n"), std::string::npos) << "the stream ends cleanly after what was queued";
}

// 1,000 streams, 100 of whose clients never read. Every active client must get every event;
// latency from the timestamp in each event is reported, memory is bounded, and the server
// still answers a plain request afterwards.
TEST(EventStream, ThousandClientsHundredNeverRead) {
  const int clients = test::kSanitized ? 200 : 1000;
  const int stalled = clients / 10;
  const int events = 40;
  ServerConfig config = testing::test_config();
  config.threads = 2;
  config.write_timeout = 60s;  // the stalled clients stay connected for the whole test
  Hub hub;
  std::vector<std::shared_ptr<EventStream>> by_client(static_cast<std::size_t>(clients));  // under hub.mu
  testing::TestServer ts(stream_per_client(hub, by_client, {.heartbeat = 0ms}), config);
  ASSERT_EQ(test::get(ts.port(), "/ping").body, "pong");
  const std::size_t baseline = test::rss_bytes();

  const std::vector<std::unique_ptr<RawClient>> conns = connect_clients(ts.port(), clients, stalled);
  ASSERT_TRUE(hub.wait_size(static_cast<std::size_t>(clients)));

  // The active clients, read by one thread with epoll.
  struct Active {
    Dechunker d;
    std::size_t parsed = 0;
    int next = 0;
    bool in_order = true;
  };
  std::vector<Active> active(static_cast<std::size_t>(clients - stalled));
  std::vector<double> latencies_ms;
  latencies_ms.reserve(active.size() * static_cast<std::size_t>(events));
  std::atomic<bool> reading{true};
  std::atomic<int> complete{0};
  std::thread reader([&] {
    int ep = ::epoll_create1(EPOLL_CLOEXEC);
    for (std::size_t i = 0; i < active.size(); ++i) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[static_cast<std::size_t>(stalled) + i]->fd(), &ev);
    }
    std::vector<epoll_event> evs(256);
    char buf[65536];
    while (reading.load() && complete.load() < static_cast<int>(active.size())) {
      int n = ::epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 50);
      for (int k = 0; k < n; ++k) {
        const std::size_t i = evs[static_cast<std::size_t>(k)].data.u64;
        Active& a = active[i];
        ssize_t got = ::recv(conns[static_cast<std::size_t>(stalled) + i]->fd(), buf, sizeof buf, MSG_DONTWAIT);
        if (got <= 0) continue;
        const auto now_ns = Clock::now().time_since_epoch().count();
        a.d.feed(std::string_view(buf, static_cast<std::size_t>(got)));
        std::string& body = a.d.body();
        for (;;) {
          const std::size_t end = body.find("\n\n", a.parsed);
          if (end == std::string::npos) break;
          // "data: <seq> <sent_ns> <padding>"
          const std::size_t at = body.find("data: ", a.parsed);
          if (at != std::string::npos && at < end) {
            long long seq = -1, sent = 0;
            const char* p = body.data() + at + 6;
            auto r1 = std::from_chars(p, body.data() + end, seq);
            std::from_chars(r1.ptr + 1, body.data() + end, sent);
            if (seq != a.next) a.in_order = false;
            a.next = static_cast<int>(seq) + 1;
            latencies_ms.push_back(static_cast<double>(now_ns - sent) / 1e6);
            if (a.next == events) complete.fetch_add(1);
          }
          a.parsed = end + 2;
        }
        if (a.parsed > 16 * 1024) {  // keep the buffer small
          body.erase(0, a.parsed);
          a.parsed = 0;
        }
      }
    }
    ::close(ep);
  });

  const std::string padding(1024, 'p');
  std::size_t peak = baseline;
  for (int e = 0; e < events; ++e) {
    const std::string data =
        std::to_string(e) + " " + std::to_string(Clock::now().time_since_epoch().count()) + " " + padding;
    const FormattedEvent event = make_event({.data = data, .id = std::to_string(e)});  // framed once for all
    for (int i = 0; i < clients; ++i) hub.at(static_cast<std::size_t>(i))->send(event);
    peak = std::max(peak, test::rss_bytes());
    std::this_thread::sleep_for(25ms);  // the feed's pace
  }
  const auto deadline = Clock::now() + 20s;
  while (complete.load() < static_cast<int>(active.size()) && Clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  peak = std::max(peak, test::rss_bytes());
  reading = false;
  reader.join();

  EXPECT_EQ(complete.load(), static_cast<int>(active.size())) << "every active client gets every event";
  for (const Active& a : active) EXPECT_TRUE(a.in_order);
  int closed_stalled = 0, closed_active = 0;
  {
    std::lock_guard lock(hub.mu);
    for (int i = 0; i < clients; ++i) {
      const bool closed = by_client.at(static_cast<std::size_t>(i))->closed();
      (i < stalled ? closed_stalled : closed_active) += closed ? 1 : 0;
    }
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double q) {
    return latencies_ms.empty()
               ? 0.0
               : latencies_ms[static_cast<std::size_t>(q * static_cast<double>(latencies_ms.size() - 1))];
  };
  const std::size_t growth = peak > baseline ? peak - baseline : 0;
  std::printf(
      "[ measure ] %d clients (%d never read), %d events of %zu B: latency ms p50 %.2f p90 %.2f p99 %.2f max %.2f;"
      " %d stalled streams ended by the slow-reader policy; RSS growth %zu KiB (%.1f KiB per client)\n",
      clients, stalled, events, padding.size() + 30, pct(0.5), pct(0.9), pct(0.99), pct(1.0), closed_stalled,
      growth / 1024, static_cast<double>(growth) / 1024.0 / clients);
  EXPECT_EQ(closed_active, 0) << "no active client may be treated as a slow reader";
  // Bounded: the stalled clients hold at most the high-water mark each; the rest little.
  // (Not under sanitizers: ASan's quarantine keeps freed memory resident on purpose.)
  if (!test::kSanitized) {
    EXPECT_LT(growth, static_cast<std::size_t>(stalled) * (config.output_high_water + 8192) + 64u * 1024u * 1024u);
  }
  EXPECT_EQ(test::get(ts.port(), "/ping").body, "pong") << "the server keeps serving";
}

// FanOutResult is what fan_out_to_non_readers saw.
struct FanOutResult {
  int events = 0;               // events broadcast
  int readers_complete = 0;     // readers that received every event, in order
  int readers_behind = 0;       // reader streams ever found behind (must be 0)
  int non_readers_behind = 0;   // non-reader streams found behind (must be all)
  int non_readers_closed = 0;   // non-reader streams closed by the end
  std::uint64_t dropped = 0;    // events dropped for non-readers (DropEvents)
  std::size_t rss_growth = 0;   // this process's RSS growth over the fan-out
  bool server_answers = false;  // a plain request is still served at the end
};

// fan_out_to_non_readers runs `readers` clients that read everything and `non_readers` with
// an 8 KiB receive buffer that never read, and broadcasts 64 KiB events to all of them
// until every non-reader's stream has been found behind (the kernel's buffers for it full,
// some 4 MiB on loopback, and the server's queue at output_high_water), then 20 more. The
// producer is held to a window of 2 events ahead of the slowest reader (a poll, not a
// sleep): no reader ever has more than 128 KiB outstanding, under the 256 KiB mark, so a
// reader can never be the one that falls behind, however slow the machine. Then it waits (bounded) for
// write_timeout to close the non-readers.
FanOutResult fan_out_to_non_readers(SlowReaderPolicy policy, int readers, int non_readers) {
  ServerConfig config = testing::test_config();
  config.output_high_water = 256 * 1024;  // four events: a reader within the window never reaches it
  config.write_timeout = 1s;
  Hub hub;
  std::vector<std::shared_ptr<EventStream>> by_client(static_cast<std::size_t>(readers + non_readers));  // hub.mu
  testing::TestServer ts(stream_per_client(hub, by_client, {.heartbeat = 0ms, .slow_reader = policy}), config);
  FanOutResult out;
  const std::size_t baseline = test::rss_bytes();
  // Clients 0..non_readers-1 never read.
  const std::vector<std::unique_ptr<RawClient>> conns = connect_clients(ts.port(), readers + non_readers, non_readers);
  EXPECT_TRUE(hub.wait_size(static_cast<std::size_t>(readers + non_readers)));
  auto stream = [&](int i) {
    std::lock_guard lock(hub.mu);
    return by_client.at(static_cast<std::size_t>(i));
  };

  struct Reader {
    Dechunker d;
    int next = 0;  // the seq expected next
    bool in_order = true;
  };
  std::vector<Reader> rs(static_cast<std::size_t>(readers));
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (int i = 0; i < readers; ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = static_cast<std::uint64_t>(i);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[static_cast<std::size_t>(non_readers + i)]->fd(), &ev);
  }
  std::vector<char> buf(256 * 1024);
  // pump reads whatever the readers have for up to timeout; returns the lowest seq expected.
  auto pump = [&](std::chrono::milliseconds timeout) {
    epoll_event evs[64];
    const int n = ::epoll_wait(ep, evs, 64, static_cast<int>(timeout.count()));
    for (int k = 0; k < n; ++k) {
      Reader& rd = rs[evs[k].data.u64];
      const ssize_t got = ::recv(conns[static_cast<std::size_t>(non_readers) + evs[k].data.u64]->fd(), buf.data(),
                                 buf.size(), MSG_DONTWAIT);
      if (got <= 0) continue;
      rd.d.feed(std::string_view(buf.data(), static_cast<std::size_t>(got)));
      std::string& body = rd.d.body();
      std::size_t parsed = 0;
      for (;;) {
        const std::size_t end = body.find("\n\n", parsed);
        if (end == std::string::npos) break;
        int seq = -1;
        const std::size_t at = body.find("data: ", parsed);
        if (at < end) std::from_chars(body.data() + at + 6, body.data() + end, seq);
        if (seq != rd.next) rd.in_order = false;
        rd.next = seq + 1;
        parsed = end + 2;
      }
      body.erase(0, parsed);
    }
    int low = std::numeric_limits<int>::max();
    for (const Reader& rd : rs) low = std::min(low, rd.next);
    return low;
  };

  const std::string padding(64 * 1024, 'p');
  std::size_t peak = baseline;
  int extra = -1;  // events still to send once every non-reader is behind
  const auto deadline = Clock::now() + 30s;
  while (extra != 0 && Clock::now() < deadline) {
    if (out.events - pump(0ms) >= 2) {  // the window: wait for the slowest reader
      pump(50ms);
      continue;
    }
    const FormattedEvent e = make_event({.data = std::to_string(out.events) + " " + padding});
    for (int i = 0; i < readers + non_readers; ++i) stream(i)->send(e);
    ++out.events;
    if (extra > 0) --extra;
    if (extra < 0) {
      int behind = 0;
      for (int i = 0; i < non_readers; ++i) behind += stream(i)->fell_behind() ? 1 : 0;
      if (behind == non_readers) extra = 20;
    }
    if (out.events % 16 == 0) peak = std::max(peak, test::rss_bytes());
  }
  while (pump(50ms) < out.events && Clock::now() < deadline) {}
  peak = std::max(peak, test::rss_bytes());
  ::close(ep);
  for (const Reader& rd : rs) out.readers_complete += rd.in_order && rd.next == out.events ? 1 : 0;
  for (int i = 0; i < readers; ++i) out.readers_behind += stream(non_readers + i)->fell_behind() ? 1 : 0;
  // write_timeout (1 s) closes the non-readers; wait for it, bounded.
  const auto close_deadline = Clock::now() + 15s;
  for (;;) {
    out.non_readers_closed = 0;
    for (int i = 0; i < non_readers; ++i) out.non_readers_closed += stream(i)->closed() ? 1 : 0;
    if (out.non_readers_closed == non_readers || Clock::now() > close_deadline) break;
    std::this_thread::sleep_for(10ms);  // polling the streams' state, not waiting for time
  }
  for (int i = 0; i < non_readers; ++i) {
    out.non_readers_behind += stream(i)->fell_behind() ? 1 : 0;
    out.dropped += stream(i)->dropped();
  }
  out.rss_growth = peak > baseline ? peak - baseline : 0;
  out.server_answers = test::get(ts.port(), "/ping").body == "pong";
  std::printf(
      "[ measure ] %d readers + %d non-readers, %d events of 64 KiB: %d non-readers behind, %llu events "
      "dropped for them, %d closed by the end; RSS growth %zu KiB\n",
      readers, non_readers, out.events, out.non_readers_behind, static_cast<unsigned long long>(out.dropped),
      out.non_readers_closed, out.rss_growth / 1024);
  return out;
}

// Fan-out to clients of which some never read, with events large enough to fill their
// socket buffers (the earlier ThousandClients test's 1 KiB events never did): under
// DropEvents every non-reader's queue reaches output_high_water and its events are then
// dropped, write_timeout closes it, every reader gets every event in order and none is
// ever found behind, and memory stays at the bound.
TEST(EventStream, FanOutDropsForNonReadersAtTheBound) {
  const int readers = test::kSanitized ? 20 : 50;
  const int non_readers = test::kSanitized ? 4 : 10;
  const FanOutResult r = fan_out_to_non_readers(SlowReaderPolicy::DropEvents, readers, non_readers);
  EXPECT_EQ(r.non_readers_behind, non_readers) << "every non-reader's queue reached the high-water mark";
  EXPECT_GT(r.dropped, 0u);
  EXPECT_EQ(r.non_readers_closed, non_readers) << "write_timeout closes the non-readers";
  EXPECT_EQ(r.readers_complete, readers) << "every reader gets every event, in order";
  EXPECT_EQ(r.readers_behind, 0);
  // The non-readers hold at most the high-water mark plus one event each in the server;
  // the rest is the readers' in-flight window (not under sanitizers: ASan keeps freed
  // memory resident on purpose).
  if (!test::kSanitized) {
    EXPECT_LT(r.rss_growth, static_cast<std::size_t>(non_readers) * (256 + 80) * 1024 + 48u * 1024 * 1024);
  }
  EXPECT_TRUE(r.server_answers) << "the server keeps serving";
}

// The same under SlowReaderPolicy::Close: each non-reader's stream ends when it is first
// found behind (nothing dropped), its connection closes by write_timeout, and the readers
// are untouched.
TEST(EventStream, FanOutEndsNonReadersUnderClosePolicy) {
  const int readers = test::kSanitized ? 20 : 50;
  const int non_readers = test::kSanitized ? 4 : 10;
  const FanOutResult r = fan_out_to_non_readers(SlowReaderPolicy::Close, readers, non_readers);
  EXPECT_EQ(r.non_readers_behind, non_readers);
  EXPECT_EQ(r.dropped, 0u);
  EXPECT_EQ(r.non_readers_closed, non_readers);
  EXPECT_EQ(r.readers_complete, readers);
  EXPECT_EQ(r.readers_behind, 0);
  EXPECT_TRUE(r.server_answers);
}

}  // namespace
}  // namespace nethttp
