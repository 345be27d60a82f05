// Streaming responses with backpressure over real sockets: a generated download far larger
// than memory to a slow-then-fast reader, on_writable() after a client drains, the
// max_output_bytes bound for producers that ignore backpressure, and the handler_timeout
// exemption of long-lived responses.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/process_memory.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using test::RawClient;
using Clock = std::chrono::steady_clock;

// Generator writes `left` bytes on the loop thread, pausing whenever the writer is congested
// and resuming from on_writable(): the producer shape the backpressure API is for.
struct Generator : std::enable_shared_from_this<Generator> {
  DeferredResponse done;
  std::uint64_t left = 0;
  std::string chunk = std::string(64 * 1024, 'g');
  std::atomic<std::size_t> max_buffered{0};
  std::atomic<unsigned> resumed{0};

  void fill(ResponseWriter& w) {
    while (left > 0 && !w.congested()) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
      if (!w.write(std::string_view(chunk).substr(0, n))) return;  // the client is gone
      left -= n;
      max_buffered = std::max(max_buffered.load(), w.buffered_bytes());
    }
    if (left == 0) {
      done.complete();
      return;
    }
    w.flush();
    w.on_writable([self = shared_from_this()](ResponseWriter& again) {
      self->resumed.fetch_add(1);
      self->fill(again);
    });
  }
};

// A slow-then-fast download of a generated body far larger than the output bound: the
// server's memory must stay near the high-water mark however much goes through.
TEST(StreamingResponse, LargeGeneratedDownloadKeepsRssBounded) {
  const std::uint64_t total = test::kSanitized ? (64ull << 20) : (1ull << 30);
  ServerConfig config = testing::test_config();
  config.output_high_water = 256 * 1024;
  auto gen = std::make_shared<Generator>();  // made here: the test reads only its atomics
  testing::TestServer ts(
      [&](ResponseWriter& w, Request& r) {
        if (r.path() == "/warm") {
          w.write("warm");
          return;
        }
        w.headers().set("Content-Length", std::to_string(total));
        gen->left = total;
        gen->done = w.defer();
        gen->fill(w);
      },
      config);
  ASSERT_EQ(test::get(ts.port(), "/warm").status, 200);

  std::atomic<bool> sampling{true};
  const std::size_t baseline = test::rss_bytes();
  std::atomic<std::size_t> peak{baseline};
  std::thread sampler([&] {
    while (sampling.load()) {
      peak = std::max(peak.load(), test::rss_bytes());
      std::this_thread::sleep_for(5ms);
    }
  });

  RawClient c(ts.port(), {.timeout = 20s, .receive_buffer = 64 * 1024});
  c.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string buf(256 * 1024, '\0');
  std::string head;
  std::uint64_t body = 0;
  bool in_body = false;
  const auto start = Clock::now();
  // Slow for the first 300 ms (16 KiB reads, paced), then as fast as the socket goes.
  while (body < total) {
    const bool slow = Clock::now() - start < 300ms;
    ssize_t n = ::recv(c.fd(), buf.data(), slow ? 16 * 1024 : buf.size(), 0);
    ASSERT_GT(n, 0) << "server closed after " << body << " body bytes";
    if (!in_body) {
      head.append(buf.data(), static_cast<std::size_t>(n));
      const std::size_t end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      in_body = true;
      body = head.size() - end - 4;
      head.resize(end);
      continue;
    }
    body += static_cast<std::size_t>(n);
    if (slow) std::this_thread::sleep_for(1ms);  // pacing the reader, not waiting for anything
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  sampling = false;
  sampler.join();
  EXPECT_EQ(body, total);
  EXPECT_NE(head.find("Content-Length: " + std::to_string(total)), std::string::npos) << head;
  EXPECT_GT(gen->resumed.load(), 0u);
  EXPECT_LE(gen->max_buffered.load(), config.output_high_water + gen->chunk.size());
  const std::size_t growth = peak.load() > baseline ? peak.load() - baseline : 0;
  std::printf(
      "[ measure ] %llu MiB in %.2f s; RSS baseline %zu KiB, peak growth %zu KiB; max buffered %zu KiB;"
      " %u resumes\n",
      static_cast<unsigned long long>(total >> 20), secs, baseline / 1024, growth / 1024,
      gen->max_buffered.load() / 1024, gen->resumed.load());
  // The high-water mark plus one chunk is all the producer may queue; allow a few MiB for
  // the allocator, the sampler and the client's own buffers (all in this process). Not
  // under sanitizers: ASan's quarantine keeps freed memory resident on purpose.
  if (!test::kSanitized) {
    EXPECT_LT(growth, config.output_high_water + 6 * 1024 * 1024);
  }
}

// on_writable() waits while the client reads nothing and runs once it has drained the queue.
TEST(StreamingResponse, WritableCallbackFiresAfterClientDrains) {
  const std::size_t size = 8 * 1024 * 1024;
  std::atomic<bool> handled{false}, fired{false}, congested{false};
  std::atomic<std::size_t> buffered{0};
  std::shared_ptr<DeferredResponse> done;
  testing::TestServer ts([&](ResponseWriter& w, Request&) {
    w.headers().set("Content-Length", std::to_string(size + 3));
    done = std::make_shared<DeferredResponse>(w.defer());
    w.write(std::string(size, 'a'));
    w.flush();
    buffered = w.buffered_bytes();
    congested = w.congested();
    w.on_writable([&, d = done](ResponseWriter& again) {
      fired = true;
      again.write("END");
      d->complete();
    });
    handled = true;
  });
  RawClient c(ts.port(), {.timeout = 10s, .receive_buffer = 16 * 1024});
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto deadline = Clock::now() + 5s;
  while (!handled && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(handled);
  EXPECT_TRUE(congested.load());
  EXPECT_GT(buffered.load(), 1024u * 1024u) << "the writer reports what is queued";
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(fired.load()) << "nothing drained: the client has read nothing";
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_TRUE(fired.load());
  ASSERT_EQ(res->body.size(), size + 3);
  EXPECT_EQ(res->body.substr(size), "END");
}

// A producer on its own thread: it writes through update(), learns from the writer that the
// connection is congested, and sleeps on DeferredResponse::on_writable() until the client
// has drained the queue.
TEST(StreamingResponse, ProducerThreadWaitsForOnWritable) {
  const std::size_t total = test::kSanitized ? (8u << 20) : (128u << 20);
  const std::string chunk(64 * 1024, 'q');
  ServerConfig config = testing::test_config();
  config.output_high_water = 128 * 1024;
  std::promise<DeferredResponse> parked;
  testing::TestServer ts(
      [&](ResponseWriter& w, Request&) {
        w.headers().set("Content-Length", std::to_string(total));
        parked.set_value(w.defer());
      },
      config);
  RawClient c(ts.port(), {.timeout = 20s, .receive_buffer = 64 * 1024});
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto fut = parked.get_future();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  std::atomic<std::size_t> max_buffered{0};
  std::atomic<unsigned> waits{0};
  std::thread producer([&, d = fut.get()]() mutable {
    std::size_t sent = 0;
    while (sent < total && !d.client_gone()) {
      auto congested = std::make_shared<std::promise<bool>>();
      auto is_congested = congested->get_future();
      d.update([&, congested](ResponseWriter& w) {
        w.write(chunk);
        w.flush();
        max_buffered = std::max(max_buffered.load(), w.buffered_bytes());
        congested->set_value(w.congested());
      });
      if (is_congested.wait_for(10s) != std::future_status::ready) return;
      sent += chunk.size();
      if (is_congested.get()) {
        auto writable = std::make_shared<std::promise<void>>();
        auto ready = writable->get_future();
        d.on_writable([writable](ResponseWriter&) { writable->set_value(); });
        waits.fetch_add(1);
        if (ready.wait_for(10s) != std::future_status::ready) return;
      }
    }
    d.complete();
  });
  // Slow at first (the producer must wait), then as fast as the socket goes.
  std::string buf(256 * 1024, '\0');
  std::uint64_t got = 0;
  const auto start = Clock::now();
  std::string head;
  bool in_body = false;
  while (got < total) {
    const bool slow = Clock::now() - start < 200ms;
    ssize_t n = ::recv(c.fd(), buf.data(), slow ? 8 * 1024 : buf.size(), 0);
    ASSERT_GT(n, 0);
    if (!in_body) {
      head.append(buf.data(), static_cast<std::size_t>(n));
      const std::size_t end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      in_body = true;
      got = head.size() - end - 4;
      continue;
    }
    got += static_cast<std::size_t>(n);
    if (slow) std::this_thread::sleep_for(1ms);  // pacing the reader
  }
  producer.join();
  EXPECT_EQ(got, total);
  EXPECT_GT(waits.load(), 0u) << "the producer must have met backpressure";
  EXPECT_LE(max_buffered.load(), config.output_high_water + chunk.size());
}

// A producer that ignores congested() is cut off at max_output_bytes: the write that finds
// the queue full closes the connection, so the server never holds more.
TEST(StreamingResponse, MaxOutputBytesBoundsAProducerThatIgnoresBackpressure) {
  ServerConfig config = testing::test_config();
  config.max_output_bytes = 512 * 1024;
  config.output_high_water = 128 * 1024;
  std::promise<DeferredResponse> parked;
  testing::TestServer ts(
      [&](ResponseWriter& w, Request&) {
        w.flush();  // headers out: chunked
        parked.set_value(w.defer());
      },
      config);
  RawClient c(ts.port(), {.timeout = 10s, .receive_buffer = 16 * 1024});
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto fut = parked.get_future();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  DeferredResponse d = fut.get();
  const std::string chunk(64 * 1024, 'p');
  std::uint64_t accepted = 0;
  bool refused = false;
  for (int i = 0; i < 2000 && !refused && !d.client_gone(); ++i) {
    auto result = std::make_shared<std::promise<bool>>();
    auto got = result->get_future();
    d.update([&chunk, result](ResponseWriter& w) {
      const bool ok = w.write(chunk);  // never asks congested(): misbehaving on purpose
      if (ok) w.flush();
      result->set_value(ok);
    });
    if (got.wait_for(5s) != std::future_status::ready) break;  // dropped: the client is gone
    if (got.get()) {
      accepted += chunk.size();
    } else {
      refused = true;
    }
  }
  EXPECT_TRUE(refused) << "the write past max_output_bytes must be refused";
  EXPECT_TRUE(d.client_gone());
  // Queue bound plus what the kernel's socket buffers took in.
  EXPECT_LT(accepted, config.max_output_bytes + 16u * 1024u * 1024u);
  std::printf("[ measure ] accepted %llu KiB before the cut-off\n", static_cast<unsigned long long>(accepted / 1024));
  EXPECT_TRUE(c.wait_closed());
}

// ticker sends `count` lines, one every `every`, with update_after(), then completes.
void ticker(const std::shared_ptr<DeferredResponse>& d, int count, std::chrono::milliseconds every) {
  d->update_after(every, [d, count, every](ResponseWriter& w) {
    w.write("tick\n");
    w.flush();
    if (count <= 1) {
      d->complete();
    } else {
      ticker(d, count - 1, every);
    }
  });
}

ServerConfig short_handler_timeout() {
  ServerConfig config = testing::test_config();
  config.handler_timeout = 300ms;
  return config;
}

TEST(StreamingResponse, LongLivedResponseOutlivesHandlerTimeout) {
  testing::TestServer ts(
      [&](ResponseWriter& w, Request&) {
        w.flush();
        auto d = std::make_shared<DeferredResponse>(w.defer());
        d->set_long_lived();
        ticker(d, 8, 100ms);  // 800 ms, well past the 300 ms handler_timeout
      },
      short_handler_timeout());
  RawClient c(ts.port(), {.timeout = 10s});
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_TRUE(res->chunked);
  EXPECT_EQ(res->body, "tick\ntick\ntick\ntick\ntick\ntick\ntick\ntick\n");
}

TEST(StreamingResponse, OrdinaryDeferredStreamIsCutAtHandlerTimeout) {
  testing::TestServer ts(
      [&](ResponseWriter& w, Request&) {
        w.flush();
        ticker(std::make_shared<DeferredResponse>(w.defer()), 8, 100ms);
      },
      short_handler_timeout());
  RawClient c(ts.port(), {.timeout = 10s});
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  const std::string all = c.read_until_close();
  EXPECT_EQ(all.find("\r\n0\r\n\r\n"), std::string::npos) << "the stream must not have ended normally";
  EXPECT_NE(all.find("HTTP/1.1 200"), std::string::npos);
}

}  // namespace
}  // namespace nethttp
