// Streamed request bodies over real sockets: BodyReader flow control, limits, 100-continue,
// client aborts, pipelining, worker-thread consumers and multi-GiB uploads in flat memory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "nethttp/body_reader.hpp"
#include "nethttp/helpers.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/process_memory.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using test::RawClient;

// kBigUpload is the size of the flat-memory uploads: 2 GiB, 64 MiB under sanitizers.
constexpr std::uint64_t kBigUpload = test::kSanitized ? (64ull << 20) : (2ull << 30);

// The generated body repeats a pseudo-random block of a prime length, so any loss,
// duplication or reordering shows, and both ends work with memcpy/memcmp-speed slices.
constexpr std::size_t kPeriod = 1'048'573;  // prime, not a multiple of any buffer size

const std::string& pattern_block() {  // two periods: any window up to kPeriod is contiguous
  static const std::string block = [] {
    std::string b(2 * kPeriod, '\0');
    std::uint32_t x = 2463534242u;
    for (std::size_t i = 0; i < kPeriod; ++i) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      b[i] = b[i + kPeriod] = static_cast<char>(x & 0xff);
    }
    return b;
  }();
  return block;
}

// pattern_matches reports whether data is the pattern from offset on.
bool pattern_matches(std::string_view data, std::uint64_t offset) {
  const std::string& block = pattern_block();
  while (!data.empty()) {
    const std::size_t at = offset % kPeriod;
    const std::size_t n = std::min(data.size(), kPeriod);
    if (std::string_view(block).substr(at, n) != data.substr(0, n)) return false;
    data.remove_prefix(n);
    offset += n;
  }
  return true;
}

void fill_pattern(std::string& buf, std::uint64_t offset, std::size_t n) {
  buf.resize(n);
  std::size_t done = 0;
  while (done < n) {
    const std::size_t k = std::min(n - done, kPeriod);
    buf.replace(done, k, pattern_block(), (offset + done) % kPeriod, k);
    done += k;
  }
}

// vm_rss_kib is this process's resident set size in KiB (the server runs in it).
long vm_rss_kib() { return static_cast<long>(test::rss_bytes() / 1024); }

// Upload is one loop-thread consumer: it checks every byte against the pattern, then
// answers "<bytes> <ok|bad>" (or the error's name) when the body ends.
struct Upload : std::enable_shared_from_this<Upload> {
  BodyReader reader;
  DeferredResponse done;
  std::uint64_t got = 0;
  bool intact = true;
  std::size_t chunks = 0;
  long max_rss = 0;
  std::function<void(Upload&)> on_chunk;  // test hook, loop thread
  std::atomic<int>* client_gone = nullptr;

  void next() {
    reader.read([self = shared_from_this()](BodyChunk& c) { self->handle(c); });
  }
  void handle(BodyChunk& c) {
    if (c.event == BodyEvent::Data) {
      if (!pattern_matches(c.data, got)) intact = false;
      got += c.data.size();
      if (++chunks % 256 == 0) max_rss = std::max(max_rss, vm_rss_kib());
      if (on_chunk) on_chunk(*this);
      if (!paused) next();
      return;
    }
    std::string answer = c.event == BodyEvent::End ? std::to_string(got) + (intact ? " ok" : " bad")
                                                   : "error " + std::to_string(static_cast<int>(c.error));
    if (c.event == BodyEvent::End && c.trailers != nullptr && !c.trailers->get("X-Sum").empty()) {
      answer += " trailer=" + std::string(c.trailers->get("X-Sum"));
    }
    if (c.event == BodyEvent::Error && c.error == BodyError::ClientGone && client_gone) ++*client_gone;
    done.complete([answer](ResponseWriter& w) { w.write(answer); });
  }
  bool paused = false;
};

// Uploads hands the Upload objects to the test thread.
struct Uploads {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::shared_ptr<Upload>> items;
  std::function<void(Upload&)> on_chunk;
  std::atomic<int> client_gone{0};
  bool start_reading = true;

  Handler handler() {
    return streaming([this](ResponseWriter& w, Request& r) {
      auto u = std::make_shared<Upload>();
      u->reader = r.body_reader();
      u->done = w.defer();
      u->on_chunk = on_chunk;
      u->client_gone = &client_gone;
      if (start_reading) u->next();
      std::lock_guard lock(mu);
      items.push_back(u);
      cv.notify_all();
    });
  }
  std::shared_ptr<Upload> take() {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, 10s, [&] { return !items.empty(); })) throw std::runtime_error("no upload");
    auto u = items.front();
    items.pop_front();
    return u;
  }
};

std::string post_head(std::string_view path, std::string_view framing) {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" + std::string(framing) + "\r\n";
}

std::string content_length(std::uint64_t n) { return "Content-Length: " + std::to_string(n) + "\r\n"; }

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

ServeMux upload_mux(Uploads& uploads) {
  ServeMux mux;
  mux.handle("POST /up", uploads.handler());
  mux.handle("POST /buffered", [](ResponseWriter& w, Request& r) {
    w.write("buffered " + std::to_string(r.body().size()) + (r.body_streaming() ? " streaming" : ""));
  });
  mux.handle("GET /", [](ResponseWriter& w, Request&) { w.write("hello"); });
  return mux;
}

TEST(StreamingBody, ContentLengthBodyArrivesInChunks) {
  Uploads uploads;
  testing::TestServer ts(upload_mux(uploads));
  std::string body;
  fill_pattern(body, 0, 300'000);
  RawClient c(ts.port());
  c.send(post_head("/up", content_length(body.size())) + body);
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "300000 ok");
  // The connection goes on: a buffered route on the same mux still gets its body whole.
  c.send(post_head("/buffered", content_length(5)) + "hello");
  res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "buffered 5");
}

TEST(StreamingBody, ChunkedBodyWithTrailers) {
  Uploads uploads;
  testing::TestServer ts(upload_mux(uploads));
  std::string a, b;
  fill_pattern(a, 0, 70'000);
  fill_pattern(b, 70'000, 12'345);
  RawClient c(ts.port());
  c.send(post_head("/up", "Transfer-Encoding: chunked\r\n") + chunk(a) + chunk(b) + "0\r\nX-Sum: 42\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "82345 ok trailer=42");
}

TEST(StreamingBody, PipelinedRequestAfterStreamedBody) {
  Uploads uploads;
  testing::TestServer ts(upload_mux(uploads));
  std::string body;
  fill_pattern(body, 0, 100'000);
  RawClient c(ts.port());
  c.send(post_head("/up", content_length(body.size())) + body + "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto first = c.read_response();
  auto second = c.read_response();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "100000 ok");
  EXPECT_EQ(second->body, "hello");
}

TEST(StreamingBody, LimitEnforcedMidStreamWith413) {
  Uploads uploads;
  ServeMux mux;
  mux.handle("POST /up", max_bytes(uploads.handler(), 100'000));
  mux.handle("GET /", [](ResponseWriter& w, Request&) { w.write("hello"); });
  testing::TestServer ts(mux);
  std::string part;
  fill_pattern(part, 0, 60'000);
  RawClient c(ts.port());
  c.send(post_head("/up", "Transfer-Encoding: chunked\r\n") + chunk(part));
  auto u = uploads.take();
  std::string more;
  fill_pattern(more, 60'000, 60'000);
  c.send(chunk(more));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(res->header("Connection"), "close");
  EXPECT_TRUE(c.wait_closed());
  // The server keeps serving.
  auto again = test::roundtrip(ts.port(), "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "hello");
}

TEST(StreamingBody, ContentLengthOverLimitRefusedBeforeReading) {
  Uploads uploads;
  ServeMux mux;
  mux.handle("POST /up", max_bytes(uploads.handler(), 1000));
  testing::TestServer ts(mux);
  RawClient c(ts.port());
  c.send(post_head("/up", content_length(5000) + "Expect: 100-continue\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413) << "no 100 Continue for a body that is refused";
}

TEST(StreamingBody, DefaultLimitIsMaxBodyBytes) {
  Uploads uploads;
  ServerConfig cfg = testing::test_config();
  cfg.max_body_bytes = 50'000;
  testing::TestServer ts(upload_mux(uploads), cfg);
  std::string body;
  fill_pattern(body, 0, 80'000);
  RawClient c(ts.port());
  c.send(post_head("/up", "Transfer-Encoding: chunked\r\n") + chunk(body) + "0\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
}

TEST(StreamingBody, ContinueSentOnlyWhenReadingStarts) {
  Uploads uploads;
  uploads.start_reading = false;
  testing::TestServer ts(upload_mux(uploads));
  RawClient c(ts.port());
  c.send(post_head("/up", content_length(10) + "Expect: 100-continue\r\n"));
  auto u = uploads.take();
  EXPECT_EQ(c.read_available(200ms), "") << "100 Continue before the handler asked for the body";
  std::thread([u] { u->next(); }).join();  // a read from another thread
  auto cont = c.read_response();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  std::string body;
  fill_pattern(body, 0, 10);
  c.send(body);
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "10 ok");
}

TEST(StreamingBody, HandlerThatIgnoresTheBodyClosesTheConnection) {
  ServeMux mux;
  mux.handle("POST /up", streaming([](ResponseWriter& w, Request& r) {
               EXPECT_TRUE(r.body_streaming());
               error(w, "no uploads today", Status::Forbidden);
             }));
  testing::TestServer ts(mux);
  RawClient c(ts.port());
  c.send(post_head("/up", content_length(100'000) + "Expect: 100-continue\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(res->header("Connection"), "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST(StreamingBody, ClientAbortMidBodyIsAnErrorEvent) {
  Uploads uploads;
  testing::TestServer ts(upload_mux(uploads));
  {
    RawClient c(ts.port());
    std::string part;
    fill_pattern(part, 0, 50'000);
    c.send(post_head("/up", content_length(1'000'000)) + part);
    auto u = uploads.take();
  }  // closed mid-body
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (uploads.client_gone.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(uploads.client_gone.load(), 1);
  auto again = test::roundtrip(ts.port(), "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "hello");
}

TEST(StreamingBody, StalledClientTimesOutWith408) {
  Uploads uploads;
  ServerConfig cfg = testing::test_config();
  cfg.read_timeout = 300ms;
  testing::TestServer ts(upload_mux(uploads), cfg);
  RawClient c(ts.port());
  c.send(post_head("/up", content_length(1000)) + "abc");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 408);
}

TEST(StreamingBody, PausedConsumerIsNotATimeout) {
  Uploads uploads;
  uploads.start_reading = false;
  ServerConfig cfg = testing::test_config();
  cfg.read_timeout = 200ms;
  testing::TestServer ts(upload_mux(uploads), cfg);
  RawClient c(ts.port());
  std::string body;
  fill_pattern(body, 0, 1000);
  c.send(post_head("/up", content_length(body.size())) + body);
  auto u = uploads.take();
  // Paused for longer than read_timeout: the client did nothing wrong.
  EXPECT_EQ(c.read_available(600ms), "");
  std::thread([u] { u->next(); }).join();
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "1000 ok");
}

// A consumer that stops asking makes the client's send block: the server stops reading.
TEST(StreamingBody, PausedConsumerBlocksTheClientThenResumesWithoutLoss) {
  Uploads uploads;
  std::atomic<bool> pause_now{false};
  std::atomic<std::uint64_t> paused_at{0};
  uploads.on_chunk = [&](Upload& u) {
    if (pause_now.load() && paused_at.load() == 0) {
      u.paused = true;
      paused_at = u.got;
    }
  };
  constexpr std::uint64_t kTotal = 64ull << 20;
  ServerConfig cfg = testing::test_config();
  cfg.max_body_bytes = kTotal;  // the streamed body's default limit
  testing::TestServer ts(upload_mux(uploads), cfg);

  RawClient c(ts.port());
  int sndbuf = 16 * 1024;
  ::setsockopt(c.fd(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  c.send(post_head("/up", content_length(kTotal)));
  auto u = uploads.take();
  ::fcntl(c.fd(), F_SETFL, ::fcntl(c.fd(), F_GETFL) | O_NONBLOCK);
  pause_now = true;

  std::uint64_t sent = 0;
  std::string buf;
  auto send_some = [&]() -> bool {  // false on EAGAIN
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(16384, kTotal - sent));
    fill_pattern(buf, sent, n);
    const ssize_t w = ::send(c.fd(), buf.data(), n, MSG_NOSIGNAL);
    if (w < 0) {
      EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << errno;
      return false;
    }
    sent += static_cast<std::uint64_t>(w);
    return true;
  };
  // Send until the server's receive window and our send buffer are full: EAGAIN that
  // persists although we retry for a while means the server stopped reading.
  auto blocked_since = std::chrono::steady_clock::time_point{};
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (sent < kTotal && std::chrono::steady_clock::now() < give_up) {
    if (send_some()) {
      blocked_since = {};
      continue;
    }
    if (blocked_since == std::chrono::steady_clock::time_point{}) blocked_since = std::chrono::steady_clock::now();
    if (std::chrono::steady_clock::now() - blocked_since > 300ms) break;
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_LT(sent, kTotal) << "the client never blocked: the server kept reading while paused";
  ASSERT_GT(paused_at.load(), 0u);
  const std::uint64_t sent_when_blocked = sent;
  EXPECT_LT(sent_when_blocked, 16ull << 20) << "far more was accepted than socket buffers hold";

  // Resume from another thread and send the rest.
  std::thread([u] {
    u->paused = false;  // read on the loop thread only after this read() is marshalled there
    u->next();
  }).join();
  while (sent < kTotal && std::chrono::steady_clock::now() < give_up + 20s) {
    if (!send_some()) std::this_thread::sleep_for(200us);
  }
  ASSERT_EQ(sent, kTotal);
  ::fcntl(c.fd(), F_SETFL, ::fcntl(c.fd(), F_GETFL) & ~O_NONBLOCK);
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, std::to_string(kTotal) + " ok");
}

// WorkerSink writes chunks to a file on its own thread and asks for the next chunk from
// there: the offloaded consumer of the issue, with the one copy the server makes.
class WorkerSink {
 public:
  explicit WorkerSink(std::string path) : out_(path, std::ios::binary), thread_([this] { run(); }) {}
  ~WorkerSink() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void post(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_all();
  }
  std::ofstream& out() { return out_; }

 private:
  void run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::ofstream out_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::thread thread_;
};

struct FileUpload : std::enable_shared_from_this<FileUpload> {
  BodyReader reader;
  DeferredResponse done;
  WorkerSink* sink = nullptr;
  std::uint64_t written = 0;  // worker thread
  bool intact = true;         // worker thread
  std::atomic<long>* max_rss = nullptr;

  void next() {
    reader.read([self = shared_from_this()](BodyChunk& c) { self->handle(c); });
  }
  void handle(BodyChunk& c) {  // loop thread
    if (c.event == BodyEvent::Data) {
      sink->post([self = shared_from_this(), data = c.take()] {  // worker thread
        if (!pattern_matches(data, self->written)) self->intact = false;
        self->sink->out().write(data.data(), static_cast<std::streamsize>(data.size()));
        self->written += data.size();
        if ((self->written >> 16) % 512 == 0 && self->max_rss) {
          long rss = vm_rss_kib();
          long prev = self->max_rss->load();
          while (rss > prev && !self->max_rss->compare_exchange_weak(prev, rss)) {}
        }
        self->next();  // from the worker thread
      });
      return;
    }
    const bool end = c.event == BodyEvent::End;
    sink->post([self = shared_from_this(), end] {
      self->sink->out().flush();
      std::string answer = end ? std::to_string(self->written) + (self->intact ? " ok" : " bad") : "error";
      self->done.complete([answer](ResponseWriter& w) { w.write(answer); });
    });
  }
};

void big_upload(bool chunked) {
  test::TempDir dir("nethttp-upload");
  const std::string path = (dir.path() / "upload.bin").string();
  WorkerSink sink(path);
  std::atomic<long> max_rss{0};
  ServerConfig cfg = testing::test_config();
  cfg.handler_timeout = 10min;
  ServeMux mux;
  mux.handle("POST /file", streaming([&](ResponseWriter& w, Request& r) {
               auto u = std::make_shared<FileUpload>();
               u->reader = r.body_reader();
               u->reader.set_limit(kBigUpload);
               u->done = w.defer();
               u->sink = &sink;
               u->max_rss = &max_rss;
               u->next();
             }));
  testing::TestServer ts(mux, cfg);
  RawClient c(ts.port(), {.timeout = 300s});
  // The client's buffers exist before the baseline: only the server's growth counts.
  constexpr std::size_t kSlice = 1 << 20;
  std::string buf;
  buf.reserve(kSlice + 64);
  (void)pattern_block();
  const long rss_before = vm_rss_kib();
  c.send(post_head("/file", chunked ? std::string("Transfer-Encoding: chunked\r\n") : content_length(kBigUpload)));
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t off = 0; off < kBigUpload; off += kSlice) {
    buf.clear();
    if (chunked) buf.append("100000\r\n");  // kSlice in hex
    buf.append(pattern_block(), off % kPeriod, kSlice);
    if (chunked) buf.append("\r\n");
    c.send(buf);
  }
  if (chunked) c.send("0\r\n\r\n");
  auto res = c.read_response();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, std::to_string(kBigUpload) + " ok");
  const long growth = std::max(max_rss.load(), vm_rss_kib()) - rss_before;
  std::printf("[ streamed %s upload: %llu MiB in %.2f s (%.0f MB/s), server RSS growth %ld KiB ]\n",
              chunked ? "chunked" : "Content-Length", static_cast<unsigned long long>(kBigUpload >> 20), secs,
              static_cast<double>(kBigUpload) / 1e6 / secs, growth);
  if (!test::kSanitized) {  // ASan's quarantine keeps every freed chunk resident on purpose
    EXPECT_LT(growth, 4 * 1024) << "RSS grew by " << growth << " KiB";
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  EXPECT_EQ(static_cast<std::uint64_t>(in.tellg()), kBigUpload);
}

TEST(StreamingBody, UrlencodedFormOnTheStream) {
  ServeMux mux;
  mux.handle("POST /form", max_bytes(streaming([](ResponseWriter& w, Request& r) {
                                       auto done = std::make_shared<DeferredResponse>(w.defer());
                                       read_form(r.body_reader(), FormLimits{.max_fields = 3, .max_bytes = 64},
                                                 [done](FormError e, FormValues& v) {
                                                   std::string answer = e == FormError::None
                                                                            ? "name=" + std::string(v.get("name")) +
                                                                                  " n=" + std::to_string(v.size())
                                                                            : std::string(form_error_message(e));
                                                   done->complete([answer, status = status_for(e)](ResponseWriter& rw) {
                                                     rw.write_header(status);
                                                     rw.write(answer);
                                                   });
                                                 });
                                     }),
                                     1000));
  testing::TestServer ts(mux);
  const std::string form = "name=J%C3%BCrgen+X&a=1";
  auto res = test::roundtrip(ts.port(), post_head("/form", content_length(form.size())) + form);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "name=J\xC3\xBCrgen X n=2");
  const std::string too_many = "a=1&b=2&c=3&d=4";
  res = test::roundtrip(ts.port(), post_head("/form", content_length(too_many.size())) + too_many);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  const std::string bad = "a=%zz";
  res = test::roundtrip(ts.port(), post_head("/form", content_length(bad.size())) + bad);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  const std::string big(100, 'x');  // over the form's 64 bytes, under max_bytes' 1000
  res = test::roundtrip(ts.port(), post_head("/form", "Transfer-Encoding: chunked\r\n") + chunk(big) + "0\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
}

TEST(StreamingBodyBig, ContentLengthUploadToFileInFlatMemory) { big_upload(false); }
TEST(StreamingBodyBig, ChunkedUploadToFileInFlatMemory) { big_upload(true); }

}  // namespace
}  // namespace nethttp
