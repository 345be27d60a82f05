// recovery: exceptions become 500 when possible, are logged with the request line, and are
// rethrown once the status line is out.

#include <gtest/gtest.h>

#include <stdexcept>

#include "nethttp/middleware.hpp"
#include "nethttp/testing.hpp"
#include "support/capturing_logger.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;

using test::CapturingLogger;

TEST(Recovery, ExceptionBeforeAnyOutputBecomes500AndIsLogged) {
  auto logger = std::make_shared<CapturingLogger>();
  Handler h = chain(
      [](ResponseWriter& w, Request&) {
        w.headers().set("Content-Length", "99");
        throw std::runtime_error("database unreachable");
      },
      {recovery(logger)});
  Request r("POST", "/orders?id=7");
  r.set_remote_addr("127.0.0.1:5000");
  auto rec = testing::serve(h, r);
  EXPECT_EQ(rec->code(), 500);
  EXPECT_EQ(rec->body(), "500 internal server error\n");
  EXPECT_FALSE(rec->header_map().has("Content-Length"));
  auto lines = logger->lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(logger->levels()[0], LogLevel::Error);
  EXPECT_NE(lines[0].find("POST /orders?id=7"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("database unreachable"), std::string::npos);
  EXPECT_NE(lines[0].find("127.0.0.1:5000"), std::string::npos);
}

TEST(Recovery, NonStandardExceptionIsCaughtToo) {
  auto logger = std::make_shared<CapturingLogger>();
  Handler h = chain([](ResponseWriter&, Request&) { throw 42; }, {recovery(logger)});
  Request r("GET", "/");
  auto rec = testing::serve(h, r);
  EXPECT_EQ(rec->code(), 500);
  ASSERT_EQ(logger->lines().size(), 1u);
  EXPECT_NE(logger->lines()[0].find("non-standard exception"), std::string::npos);
}

TEST(Recovery, ExceptionAfterStatusLineIsRethrownForTheServerToClose) {
  auto logger = std::make_shared<CapturingLogger>();
  Handler h = chain(
      [](ResponseWriter& w, Request&) {
        w.write("half a resp");
        throw std::logic_error("mid-stream");
      },
      {recovery(logger)});
  Request r("GET", "/stream");
  testing::ResponseRecorder rec;
  EXPECT_THROW(h.serve(rec, r), std::logic_error);
  EXPECT_EQ(rec.code(), 200);
  EXPECT_EQ(rec.body(), "half a resp");
  ASSERT_EQ(logger->lines().size(), 1u);
  EXPECT_NE(logger->lines()[0].find("already started"), std::string::npos);
}

TEST(Recovery, ThrowingMiddlewareIsCovered) {
  auto logger = std::make_shared<CapturingLogger>();
  bool reached = false;
  Middleware broken = [](Handler next) -> Handler {
    return [next](ResponseWriter& w, Request& r) {
      if (r.header("X-Bad") == "1") throw std::invalid_argument("bad header in middleware");
      next.serve(w, r);
    };
  };
  Handler h = chain(
      [&](ResponseWriter& w, Request&) {
        reached = true;
        w.write("fine");
      },
      {recovery(logger), broken});
  Request bad("GET", "/");
  bad.headers().add("X-Bad", "1");
  auto rec = testing::serve(h, bad);
  EXPECT_EQ(rec->code(), 500);
  EXPECT_FALSE(reached);
  Request good("GET", "/");
  rec = testing::serve(h, good);
  EXPECT_EQ(rec->code(), 200);
  EXPECT_TRUE(reached);
}

TEST(Recovery, DeferredResponseIsLeftToItsOwner) {
  auto logger = std::make_shared<CapturingLogger>();
  Handler h = chain(
      [](ResponseWriter& w, Request&) {
        DeferredResponse d = w.defer();
        throw std::runtime_error("after defer");  // d is dropped while unwinding: it answers 500
      },
      {recovery(logger)});
  Request r("GET", "/");
  auto rec = testing::serve(h, r);
  ASSERT_TRUE(rec->wait_finished(5s));
  EXPECT_EQ(rec->code(), 500);
  EXPECT_EQ(rec->body(), "500 internal server error\n");  // once, not twice
  EXPECT_EQ(logger->lines().size(), 1u);
}

TEST(Recovery, NormalResponsesPassUntouched) {
  auto logger = std::make_shared<CapturingLogger>();
  Handler h = chain([](ResponseWriter& w, Request&) { w.write_header(Status::Accepted); }, {recovery(logger)});
  Request r("GET", "/");
  auto rec = testing::serve(h, r);
  EXPECT_EQ(rec->code(), 202);
  EXPECT_TRUE(logger->lines().empty());
}

}  // namespace
}  // namespace nethttp
