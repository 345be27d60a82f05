// ErrorWriter: error_text's Go-style bodies, write_error_with's fallback, and ServeMux's
// 404/405 through set_error_writer.
#include "nethttp/error_writer.hpp"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "nethttp/error.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/testing.hpp"

namespace nethttp {
namespace {

TEST(ErrorText, NamesStatusAndReason) {
  EXPECT_EQ(error_text(Error::BadRequest, "missing required Host header"),
            "400 Bad Request: missing required Host header");
  EXPECT_EQ(error_text(Error::BadRequest), "400 Bad Request: malformed request");
  EXPECT_EQ(error_text(Error::BodyTooLarge), "413 Content Too Large: request body too large");
  EXPECT_EQ(error_text(Error::UriTooLong), "414 URI Too Long: request URI too long");
  EXPECT_EQ(error_text(Error::HeaderTimeout), "408 Request Timeout: request header timeout");
}

TEST(WriteErrorWith, FallsBackToTextWhenTheWriterWritesNothing) {
  Request r("GET", "/");
  auto silent = testing::serve(
      [](ResponseWriter& w, Request& req) {
        write_error_with([](ResponseWriter&, const Request&, int, std::string_view) {}, w, req, 404, "gone");
      },
      r);
  EXPECT_EQ(silent->status(), 404);
  EXPECT_EQ(silent->body(), "gone\n");
  auto none = testing::serve([](ResponseWriter& w, Request& req) { write_error_with({}, w, req, 418, "tea"); }, r);
  EXPECT_EQ(none->status(), 418);
  EXPECT_EQ(none->headers().get("Content-Type"), "text/plain; charset=utf-8");
}

TEST(ServeMuxErrorWriter, JsonFor404And405KeepsAllow) {
  ServeMux mux;
  mux.handle("POST /things", [](ResponseWriter& w, Request&) { w.write_header(201); });
  mux.set_error_writer(json_error_writer());
  Request missing("GET", "/nothing");
  auto nf = testing::serve(mux, missing);
  EXPECT_EQ(nf->status(), 404);
  EXPECT_EQ(nf->headers().get("Content-Type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(nf->body())["error"], "404 page not found");

  Request wrong("GET", "/things");
  auto na = testing::serve(mux, wrong);
  EXPECT_EQ(na->status(), 405);
  EXPECT_EQ(na->headers().get("Allow"), "POST");
  EXPECT_EQ(nlohmann::json::parse(na->body())["error"], "Method Not Allowed");

  // handler() reports the same answers.
  auto via_handler = testing::serve(mux.handler(missing).handler, missing);
  EXPECT_EQ(via_handler->headers().get("Content-Type"), "application/json");

  mux.set_error_writer({});  // back to text
  Request again("GET", "/nothing");
  EXPECT_EQ(testing::serve(mux, again)->body(), "404 page not found\n");
}

}  // namespace
}  // namespace nethttp
