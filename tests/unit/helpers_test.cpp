// Handler helpers through ResponseRecorder: strip_prefix, not_found, redirect, max_bytes,
// timeout_handler and offload.

#include "nethttp/helpers.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <condition_variable>
#include <future>
#include <latch>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "nethttp/testing.hpp"
#include "support/capturing_logger.hpp"

namespace nethttp {
namespace {

using testing::ResponseRecorder;
using testing::serve;
using namespace std::chrono_literals;

// ---- strip_prefix -------------------------------------------------------------------------

TEST(StripPrefix, PassesStrippedCopyAndLeavesOriginal) {
  std::string seen_path, seen_raw, seen_target;
  Handler inner = [&](ResponseWriter& w, Request& r) {
    seen_path = r.path();
    seen_raw = r.raw_path();
    seen_target = r.target();
    r.set_path("/changed", "/changed");  // must not reach the caller's request
    w.write("ok");
  };
  Handler h = strip_prefix("/static", inner);
  Request r("GET", "/static/css/a%20b.css?v=1");
  auto rec = serve(h, r);
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(seen_path, "/css/a b.css");
  EXPECT_EQ(seen_raw, "/css/a%20b.css");
  EXPECT_EQ(seen_target, "/static/css/a%20b.css?v=1");
  EXPECT_EQ(r.path(), "/static/css/a b.css");
  EXPECT_EQ(r.raw_path(), "/static/css/a%20b.css");
}

TEST(StripPrefix, PrefixWithEscapedBytesInRawPath) {
  struct Case {
    std::string_view prefix, target, want_path, want_raw;
  };
  for (const Case& c : {Case{"/a b", "/a%20b/x", "/x", "/x"}, Case{"/a b", "/a b/x%2Fy", "/x/y", "/x%2Fy"},
                        Case{"/api", "/api", "", ""}, Case{"/", "/x/y", "x/y", "x/y"}, Case{"/%", "/%25z", "z", "z"}}) {
    SCOPED_TRACE(fmt::format("{} {}", c.prefix, c.target));
    std::string path, raw;
    Handler h = strip_prefix(std::string(c.prefix), [&](ResponseWriter&, Request& r) {
      path = r.path();
      raw = r.raw_path();
    });
    Request r("GET", c.target);
    ASSERT_FALSE(r.path().empty()) << "test target did not parse";
    auto rec = serve(h, r);
    EXPECT_EQ(rec->code(), 200);
    EXPECT_EQ(path, c.want_path);
    EXPECT_EQ(raw, c.want_raw);
  }
}

TEST(StripPrefix, MismatchIs404AndSkipsHandler) {
  bool called = false;
  Handler h = strip_prefix("/static", [&](ResponseWriter&, Request&) { called = true; });
  for (std::string_view target : {"/other/x", "/stat", "/Static/x"}) {
    SCOPED_TRACE(target);
    Request r("GET", target);
    auto rec = serve(h, r);
    EXPECT_EQ(rec->code(), 404);
    EXPECT_EQ(rec->body(), "404 page not found\n");
  }
  EXPECT_FALSE(called);
}

TEST(NotFound, Answers404) {
  Request r("GET", "/anything");
  auto rec = serve(not_found(), r);
  EXPECT_EQ(rec->code(), 404);
  EXPECT_EQ(rec->header_map().get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(rec->body(), "404 page not found\n");
}

// ---- redirect -----------------------------------------------------------------------------

TEST(Redirect, ResolvesLikeGo) {
  struct Case {
    std::string_view request_path, url, want;
  };
  for (const Case& c : {
           Case{"/a/b", "c", "/a/c"},
           Case{"/a/b/", "c", "/a/b/c"},
           Case{"/a/b", "../x", "/x"},
           Case{"/a/b", "../../../x", "/x"},
           Case{"/a/b", "./", "/a/"},
           Case{"/a/b", "/abs//p/./q/", "/abs/p/q/"},
           Case{"/a/b", "c?x=1&y=/../", "/a/c?x=1&y=/../"},
           Case{"/a/b", "", "/a/"},
           Case{"/a/b", "https://example.com/x/../y", "https://example.com/x/../y"},
           Case{"/a/b", "//cdn.example.com/z", "//cdn.example.com/z"},
           Case{"/a/b", "mailto:x@example.com", "mailto:x@example.com"},
           Case{"/a/b", "/caf\xc3\xa9", "/caf%C3%A9"},
           Case{"/a/b", "/x\r\nSet-Cookie: a=b", "/x%0D%0ASet-Cookie:%20a=b"},
       }) {
    SCOPED_TRACE(fmt::format("{} -> {}", c.request_path, c.url));
    Request r("GET", c.request_path);
    ResponseRecorder rec;
    redirect(rec, r, c.url, Status::Found);
    EXPECT_EQ(rec.code(), 302);
    EXPECT_EQ(rec.header_map().get("Location"), c.want);
  }
}

TEST(Redirect, BodyOnlyForGetAndKeepsHandlerContentType) {
  Request get("GET", "/old");
  auto rec = serve(redirect("/new?a=<b>", 301), get);
  EXPECT_EQ(rec->code(), 301);
  EXPECT_EQ(rec->header_map().get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(rec->body(), "<a href=\"/new?a=&lt;b&gt;\">Moved Permanently</a>.\n\n");

  Request head("HEAD", "/old");
  rec = serve(redirect("/new", Status::PermanentRedirect), head);
  EXPECT_EQ(rec->code(), 308);
  EXPECT_EQ(rec->header_map().get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(rec->body(), "");

  Request post("POST", "/form");
  rec = serve(redirect("done", Status::SeeOther), post);
  EXPECT_EQ(rec->code(), 303);
  EXPECT_EQ(rec->header_map().get("Location"), "/done");
  EXPECT_FALSE(rec->header_map().has("Content-Type"));
  EXPECT_EQ(rec->body(), "");

  ResponseRecorder typed;
  typed.headers().set("Content-Type", "application/json");
  redirect(typed, get, "/x", 307);
  EXPECT_EQ(typed.header_map().get("Content-Type"), "application/json");
  EXPECT_EQ(typed.body(), "");
}

// ---- max_bytes ----------------------------------------------------------------------------

TEST(MaxBytes, OverLimitIs413WithoutCallingHandler) {
  int calls = 0;
  Handler h = max_bytes(
      [&](ResponseWriter& w, Request&) {
        ++calls;
        w.write("ok");
      },
      4);
  Request small("POST", "/u", "1234");
  auto rec = serve(h, small);
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(calls, 1);

  Request big("POST", "/u", "12345");
  rec = serve(h, big);
  EXPECT_EQ(rec->code(), 413);
  EXPECT_EQ(rec->body(), "413 Content Too Large\n");  // the server's text for its own 413
  EXPECT_EQ(calls, 1);
}

// ---- timeout_handler ----------------------------------------------------------------------

// Parked holds DeferredResponses a test completes later, as another thread would.
struct Parked {
  std::mutex mu;
  std::vector<DeferredResponse> responses;
  void park(DeferredResponse d) {
    std::lock_guard lock(mu);
    responses.push_back(std::move(d));
  }
  std::optional<DeferredResponse> take() {
    std::lock_guard lock(mu);
    if (responses.empty()) return std::nullopt;
    DeferredResponse d = std::move(responses.back());
    responses.pop_back();
    return d;
  }
};

TEST(TimeoutHandler, SynchronousAnswerPassesThrough) {
  Handler h = timeout_handler(
      [](ResponseWriter& w, Request&) {
        w.headers().set("X-Inner", "1");
        w.write_header(Status::Created);
        w.write("made");
      },
      10ms, "too slow");
  Request r("GET", "/");
  auto rec = serve(h, r);
  EXPECT_EQ(rec->code(), 201);
  EXPECT_EQ(rec->body(), "made");
  EXPECT_EQ(rec->header_map().get("X-Inner"), "1");
}

TEST(TimeoutHandler, LateDeferredResponseGets503AndLateOutputIsDropped) {
  Parked parked;
  Handler h = timeout_handler(
      [&](ResponseWriter& w, Request&) {
        w.headers().set("Content-Type", "application/json");
        w.headers().set("ETag", "\"v1\"");
        parked.park(w.defer());  // never completed in time
      },
      20ms, "handler timed out");
  Request r("GET", "/slow");
  auto rec = serve(h, r);
  ASSERT_TRUE(rec->wait_finished(5s));
  EXPECT_EQ(rec->code(), 503);
  EXPECT_EQ(rec->body(), "handler timed out");
  EXPECT_EQ(rec->header_map().get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_FALSE(rec->header_map().has("ETag"));

  std::optional<DeferredResponse> late = parked.take();
  ASSERT_TRUE(late);
  EXPECT_TRUE(late->client_gone());
  late->complete([](ResponseWriter& w) { w.write("late"); });  // a no-op now
  EXPECT_EQ(rec->code(), 503);
  EXPECT_EQ(rec->body(), "handler timed out");
}

TEST(TimeoutHandler, EmptyMessageUsesGoTimeoutPage) {
  Parked parked;
  Handler h = timeout_handler([&](ResponseWriter& w, Request&) { parked.park(w.defer()); }, 5ms);
  Request r("GET", "/slow");
  auto rec = serve(h, r);
  ASSERT_TRUE(rec->wait_finished(5s));
  EXPECT_EQ(rec->code(), 503);
  EXPECT_EQ(rec->header_map().get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(rec->body().find("<h1>Timeout</h1>"), std::string::npos);
}

TEST(TimeoutHandler, DeferredResponseInTimeIsDelivered) {
  Parked parked;
  Handler h = timeout_handler([&](ResponseWriter& w, Request&) { parked.park(w.defer()); }, 10min, "late");
  Request r("GET", "/");
  auto rec = serve(h, r);
  std::optional<DeferredResponse> d = parked.take();
  ASSERT_TRUE(d);
  std::thread([d = std::move(*d)]() mutable {
    d.complete([](ResponseWriter& w) { w.write("from another thread"); });
  }).join();
  ASSERT_TRUE(rec->wait_finished(5s));
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(rec->body(), "from another thread");
}

// ---- offload ------------------------------------------------------------------------------

TEST(Offload, RunsOnWorkerAndReplaysResponseOnCompletion) {
  auto pool = std::make_shared<WorkerPool>(2, 8, null_logger());
  const auto caller = std::this_thread::get_id();
  std::thread::id ran_on;
  std::string seen_body, seen_header;
  Handler h = offload(pool, [&](ResponseWriter& w, Request& r) {
    ran_on = std::this_thread::get_id();
    seen_body = r.body();
    seen_header = std::string(w.headers().get("X-Outer"));
    w.headers().set("Content-Type", "text/plain");
    w.write_header(Status::Accepted);
    w.write("hello ");
    w.flush();
    w.write(r.query_value("name"));
  });
  Request r("POST", "/job?name=pool", "payload");
  ResponseRecorder rec;
  rec.headers().set("X-Outer", "set-before-offload");
  h.serve(rec, r);
  EXPECT_TRUE(rec.deferred());
  r.reset();  // the connection reuses its request at once; the worker has its own copy
  ASSERT_TRUE(rec.wait_finished(5s));
  EXPECT_NE(ran_on, caller);
  EXPECT_EQ(seen_body, "payload");
  EXPECT_EQ(seen_header, "set-before-offload");
  EXPECT_EQ(rec.code(), 202);
  EXPECT_EQ(rec.body(), "hello pool");
  EXPECT_EQ(rec.header_map().get("Content-Type"), "text/plain");
  EXPECT_EQ(rec.header_map().get("X-Outer"), "set-before-offload");
}

TEST(Offload, SendFileAndOnFinishAreReplayed) {
  char path[] = "/tmp/nethttp_offload_XXXXXX";
  auto file = std::make_shared<UniqueFd>(::mkstemp(path));
  ASSERT_TRUE(file->valid());
  ::unlink(path);
  ASSERT_EQ(::write(file->get(), "0123456789", 10), 10);

  auto pool = std::make_shared<WorkerPool>(1, 4, null_logger());
  std::promise<ResponseStats> finished;
  Handler h = offload(pool, [&](ResponseWriter& w, Request&) {
    w.on_finish([&](const ResponseStats& s) { finished.set_value(s); });
    w.write("[");
    w.send_file(FileSlice{file, 2, 5});
    w.write("]");
  });
  Request r("GET", "/f");
  auto rec = serve(h, r);
  ASSERT_TRUE(rec->wait_finished(5s));
  EXPECT_EQ(rec->body(), "[23456]");
  ResponseStats s = finished.get_future().get();
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.body_bytes, 7u);
}

TEST(Offload, FullQueueAnswers503AtOnce) {
  auto pool = std::make_shared<WorkerPool>(1, 1, null_logger());
  std::latch started(1);
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  Handler h = offload(pool, [&](ResponseWriter& w, Request& r) {
    if (r.path() == "/block") {
      started.count_down();
      open.wait();
    }
    w.write(r.path());
  });
  Request block("GET", "/block");
  auto first = serve(h, block);
  started.wait();  // the only worker is busy now
  Request queued("GET", "/queued");
  auto second = serve(h, queued);  // takes the only queue slot
  EXPECT_TRUE(second->deferred());
  Request rejected("GET", "/rejected");
  auto third = serve(h, rejected);
  EXPECT_FALSE(third->deferred());
  EXPECT_TRUE(third->finished());
  EXPECT_EQ(third->code(), 503);
  EXPECT_EQ(third->header_map().get("Retry-After"), "1");

  gate.set_value();
  ASSERT_TRUE(first->wait_finished(5s));
  ASSERT_TRUE(second->wait_finished(5s));
  EXPECT_EQ(first->body(), "/block");
  EXPECT_EQ(second->body(), "/queued");
}

using test::CapturingLogger;

TEST(Offload, HandlerExceptionBecomes500AndIsLogged) {
  auto logger = std::make_shared<CapturingLogger>();
  auto pool = std::make_shared<WorkerPool>(1, 4, logger);
  Handler h = offload(pool, [](ResponseWriter& w, Request&) {
    w.write_header(Status::OK);
    w.write("partial");
    throw std::runtime_error("disk on fire");
  });
  Request r("GET", "/boom");
  auto rec = serve(h, r);
  ASSERT_TRUE(rec->wait_finished(5s));
  EXPECT_EQ(rec->code(), 500);
  EXPECT_EQ(rec->body(), "500 internal server error\n");
  pool->stop();
  auto lines = logger->lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("GET /boom"), std::string::npos);
  EXPECT_NE(lines[0].find("disk on fire"), std::string::npos);
}

TEST(Offload, DeferInsideOffloadedHandlerIs500) {
  auto pool = std::make_shared<WorkerPool>(1, 4, null_logger());
  Handler h = offload(pool, [](ResponseWriter& w, Request&) { (void)w.defer(); });
  Request r("GET", "/");
  auto rec = serve(h, r);
  ASSERT_TRUE(rec->wait_finished(5s));
  EXPECT_EQ(rec->code(), 500);
}

TEST(Offload, StoppedPoolAnswers503) {
  auto pool = std::make_shared<WorkerPool>(1, 4, null_logger());
  pool->stop();
  bool called = false;
  Handler h = offload(pool, [&](ResponseWriter&, Request&) { called = true; });
  Request r("GET", "/");
  auto rec = serve(h, r);
  EXPECT_EQ(rec->code(), 503);
  EXPECT_FALSE(called);
}

TEST(Offload, NullPoolThrows) { EXPECT_THROW(offload(nullptr, not_found()), std::invalid_argument); }

}  // namespace
}  // namespace nethttp
