// on_writable callbacks that register themselves again without writing must not spin a
// loop: once one wrote nothing, the next waits for the response's (or stream's) next
// write. Counted by the callbacks themselves across many loop turns made by another
// connection's requests, not timed.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "nethttp/deferred.hpp"
#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "nethttp/upgrade.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using test::RawClient;
using Clock = std::chrono::steady_clock;

constexpr int kTurns = 50;  // requests on another connection: each is several loop turns

// wait_for polls until pred holds or 5 s pass.
template <class P>
bool wait_for(P pred) {
  const auto deadline = Clock::now() + 5s;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// turn_the_loop makes the server's loop go round many times: keep-alive requests on a
// connection of their own.
void turn_the_loop(std::uint16_t port) {
  RawClient c(port);
  for (int i = 0; i < kTurns; ++i) {
    c.send("GET /other HTTP/1.1\r\nHost: t\r\n\r\n");
    auto res = c.read_response();
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
  }
}

// Spin registers itself again from its own run without writing, through the writer (or,
// with deferred set, through DeferredResponse::on_writable, i.e. the loop's mailbox).
struct Spin {
  std::atomic<int>* runs;
  std::shared_ptr<std::optional<DeferredResponse>> deferred;
  bool via_deferred = false;
  void operator()(ResponseWriter& w) const {
    runs->fetch_add(1);
    if (via_deferred) {
      (*deferred)->on_writable(*this);
    } else {
      w.on_writable(*this);
    }
  }
};

void run_response_case(bool via_deferred) {
  std::atomic<int> runs{0};
  auto deferred = std::make_shared<std::optional<DeferredResponse>>();
  std::promise<void> deferred_set;
  testing::TestServer ts([&](ResponseWriter& w, Request& r) {
    if (r.path() == "/other") return;
    *deferred = w.defer();
    Spin spin{&runs, deferred, via_deferred};
    if (via_deferred) {
      (*deferred)->on_writable(spin);
    } else {
      w.on_writable(spin);
    }
    deferred_set.set_value();
  });
  RawClient c(ts.port());
  c.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
  deferred_set.get_future().wait();
  ASSERT_TRUE(wait_for([&] { return runs.load() >= 1; }));
  turn_the_loop(ts.port());
  EXPECT_EQ(runs.load(), 1) << "a callback that wrote nothing ran again without a write";
  // A write un-parks it: it runs once more after that write has drained.
  (*deferred)->update([](ResponseWriter& w) { w.write("more"); });
  EXPECT_TRUE(wait_for([&] { return runs.load() >= 2; }));
  turn_the_loop(ts.port());
  EXPECT_EQ(runs.load(), 2);
  (*deferred)->complete();
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "more");
}

TEST(WritableSpin, ResponseCallbackReRegisteringWithoutWritingWaitsForAWrite) { run_response_case(false); }

TEST(WritableSpin, DeferredOnWritableReRegisteringWithoutWritingWaitsForAWrite) { run_response_case(true); }

// UpgradeSpin registers itself again on its stream without writing.
struct UpgradeSpin {
  UpgradedStream* s;
  std::atomic<int>* runs;
  void operator()() const {
    runs->fetch_add(1);
    s->on_writable(*this);
  }
};

TEST(WritableSpin, UpgradedStreamCallbackReRegisteringWithoutWritingWaitsForAWrite) {
  std::atomic<int> runs{0};
  testing::TestServer ts([&](ResponseWriter& w, Request& r) {
    accept_upgrade(w, r, "spin", [&runs](std::shared_ptr<UpgradedStream> s) {
      UpgradedStream* raw = s.get();
      raw->on_writable(UpgradeSpin{raw, &runs});
      raw->on_data([raw](std::string_view bytes) { raw->write(bytes); });
      raw->on_close([s]() mutable { s.reset(); });
    });
  });
  RawClient c(ts.port());
  c.send("GET /spin HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: spin\r\n\r\n");
  auto head = c.read_available(1s);
  ASSERT_NE(head.find("101"), std::string::npos) << head;
  ASSERT_TRUE(wait_for([&] { return runs.load() >= 1; }));
  turn_the_loop(ts.port());
  EXPECT_EQ(runs.load(), 1) << "a callback that wrote nothing ran again without a write";
  c.send("ping");  // the echo writes: the parked callback runs once more after it drained
  EXPECT_TRUE(wait_for([&] { return runs.load() >= 2; }));
  EXPECT_EQ(c.read_available(1s), "ping");
  turn_the_loop(ts.port());
  EXPECT_EQ(runs.load(), 2);
}

}  // namespace
}  // namespace nethttp
