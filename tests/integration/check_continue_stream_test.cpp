// ServerConfig::check_continue for streamed bodies: asked before the streaming handler
// runs; when it answers, the handler never runs, no 100 Continue goes out and the body is
// never read; when it lets the body come, 100 Continue goes out at the handler's first read.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "nethttp/body_reader.hpp"
#include "nethttp/deferred.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using test::RawClient;

// count_body reads the whole body and answers "N bytes".
void count_body(const BodyReader& reader, const std::shared_ptr<DeferredResponse>& d,
                const std::shared_ptr<std::size_t>& n) {
  reader.read([reader, d, n](BodyChunk& c) {
    if (c.event == BodyEvent::Data) {
      *n += c.data.size();
      count_body(reader, d, n);
    } else if (c.event == BodyEvent::End) {
      d->complete([n](ResponseWriter& w) { w.write(std::to_string(*n) + " bytes"); });
    }
  });
}

struct Fixture {
  std::atomic<int> asked{0};
  std::atomic<int> handled{0};
  ServerConfig config() {
    ServerConfig cfg = testing::test_config();
    cfg.check_continue = [this](ResponseWriter& w, Request& r) {
      asked.fetch_add(1);
      if (!r.header("X-Refuse").empty()) error(w, "not from you", Status::Forbidden);
    };
    return cfg;
  }
  Handler handler() {
    ServeMux mux;
    mux.handle("POST /up", streaming([this](ResponseWriter& w, Request& r) {
                 handled.fetch_add(1);
                 count_body(r.body_reader(), std::make_shared<DeferredResponse>(w.defer()),
                            std::make_shared<std::size_t>(0));
               }));
    return mux;
  }
};

constexpr std::string_view kHead = "POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\nExpect: 100-continue\r\n";

TEST(CheckContinueStreamed, RefusalIsTheAnswerAndTheHandlerNeverRuns) {
  Fixture f;
  testing::TestServer ts(f.handler(), f.config());
  RawClient c(ts.port());
  c.send(std::string(kHead) + "X-Refuse: 1\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403) << "no 100 Continue before the refusal";
  EXPECT_EQ(res->header("Connection"), "close");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(f.asked.load(), 1);
  EXPECT_EQ(f.handled.load(), 0);
}

TEST(CheckContinueStreamed, AcceptedBodyStreamsWithContinueAtTheFirstRead) {
  Fixture f;
  testing::TestServer ts(f.handler(), f.config());
  RawClient c(ts.port());
  c.send(std::string(kHead) + "\r\n");
  auto cont = c.read_response();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  c.send("0123456789");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "10 bytes");
  EXPECT_EQ(f.asked.load(), 1);
  EXPECT_EQ(f.handled.load(), 1);
  // Without Expect it is not asked.
  c.send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
  res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "3 bytes");
  EXPECT_EQ(f.asked.load(), 1);
}

}  // namespace
}  // namespace nethttp
