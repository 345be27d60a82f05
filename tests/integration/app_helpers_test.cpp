// The request helpers over real sockets: forms, cookies, JSON bodies, per-request values on
// a reused connection, custom error bodies (ServeMux 404/405 and the server's protocol
// errors), and protocol rejects reaching the access log.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "nethttp/cookie.hpp"
#include "nethttp/json.hpp"
#include "nethttp/json_writer.hpp"
#include "nethttp/middleware.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

using test::ParsedResponse;
using test::RawClient;

std::string form_request(std::string_view target, std::string_view body,
                         std::string_view type = "application/x-www-form-urlencoded") {
  return "POST " + std::string(target) +
         " HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: " + std::string(type) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

ParsedResponse roundtrip(std::uint16_t port, std::string_view raw) {
  auto r = test::roundtrip(port, raw);
  if (!r) throw std::runtime_error("no response");
  return *r;
}

// ---- Forms ------------------------------------------------------------------------------

Handler form_handler() {
  return [](ResponseWriter& w, Request& r) {
    if (FormError e = r.parse_form({.max_fields = 5, .max_bytes = 64}); e != FormError::None) {
      return error(w, form_error_message(e), status_for(e));
    }
    std::string out;
    for (std::string_view v : r.form().get_all("tag")) out += std::string(v) + ",";
    out += "|" + std::string(r.form_value("name")) + "|" + std::string(r.post_form_value("q"));
    w.write(out);
  };
}

TEST(FormsOverSockets, BodyAndQueryAreMergedWithRepeats) {
  testing::TestServer server(form_handler());
  ParsedResponse r = roundtrip(server.port(), form_request("/f?tag=q&q=fromquery", "tag=a&tag=b+c&name=J%C3%B6rg"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "a,b c,q,|J\xC3\xB6rg|");
}

TEST(FormsOverSockets, LimitsAnswer413AndBadEscapes400) {
  testing::TestServer server(form_handler());
  EXPECT_EQ(roundtrip(server.port(), form_request("/", "a=1&b=2&c=3&d=4&e=5&f=6")).status, 413);
  EXPECT_EQ(roundtrip(server.port(), form_request("/", "a=" + std::string(80, 'x'))).status, 413);
  ParsedResponse bad = roundtrip(server.port(), form_request("/", "a=%zz"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "malformed form data: bad %-escape\n");
  // Not a form: the body is left alone.
  EXPECT_EQ(roundtrip(server.port(), form_request("/?name=x", "a=%zz", "text/plain")).body, "|x|");
}

// ---- Cookies ----------------------------------------------------------------------------

TEST(CookiesOverSockets, ReadsCookieAndSetsValidatedSetCookie) {
  testing::TestServer server([](ResponseWriter& w, Request& r) {
    std::string seen = std::string(r.cookie("session").value_or("none")) + "/" + std::to_string(r.cookies().size());
    Cookie c{.name = "seen", .value = "1", .path = "/", .http_only = true, .same_site = SameSite::Lax};
    c.max_age = std::chrono::seconds(60);
    EXPECT_TRUE(set_cookie(w, c));
    EXPECT_FALSE(set_cookie(w, {.name = "evil", .value = "x\r\nX-Injected: 1"}));
    w.write(seen);
  });
  ParsedResponse r = test::get(server.port(), "/", "Cookie: theme=dark; session=\"s3cr3t\"\r\n");
  EXPECT_EQ(r.body, "s3cr3t/2");
  EXPECT_EQ(r.headers.values("Set-Cookie"),
            (std::vector<std::string_view>{"seen=1; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"}));
  EXPECT_FALSE(r.headers.has("X-Injected"));
  EXPECT_EQ(test::get(server.port(), "/").body, "none/0");
}

// ---- JSON -------------------------------------------------------------------------------

Handler json_echo() {
  return [](ResponseWriter& w, Request& r) {
    auto body = read_json(w, r, 32);
    if (!body) return;
    write_json(w, nlohmann::json{{"got", *body}}, Status::Created);
  };
}

TEST(JsonOverSockets, ReadJsonAnswersClearErrors) {
  testing::TestServer server(json_echo());
  ParsedResponse ok = test::request(server.port(), "POST", "/", R"({"a":[1,2]})", "application/json");
  EXPECT_EQ(ok.status, 201);
  EXPECT_EQ(ok.header("Content-Type"), "application/json");
  EXPECT_EQ(ok.body, "{\"got\":{\"a\":[1,2]}}\n");
  EXPECT_EQ(test::request(server.port(), "POST", "/", "[1]", "application/problem+json").status, 201);
  EXPECT_EQ(test::request(server.port(), "POST", "/", "[1]", "").status, 201);  // no Content-Type

  struct Case {
    std::string body, type;
    int status;
  };
  for (const Case& c :
       {Case{"{\"a\":", "application/json", 400}, Case{"", "application/json", 400},
        Case{"[" + std::string(40, '1') + "]", "application/json", 413}, Case{"[1]", "text/plain", 415}}) {
    SCOPED_TRACE(c.body);
    ParsedResponse r = test::request(server.port(), "POST", "/", c.body, c.type);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    nlohmann::json j = nlohmann::json::parse(r.body);
    EXPECT_TRUE(j["error"].is_string());
  }
}

TEST(JsonOverSockets, WriteJsonAlwaysSendsValidJsonForInvalidUtf8) {
  testing::TestServer server([](ResponseWriter& w, Request& r) {
    JsonWriter j;
    j.begin_object().member("hello", r.query_value("name")).end_object();
    write_json(w, j);
  });
  ParsedResponse r = test::get(server.port(), "/?name=%ff%fe%22%5C%0A");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  nlohmann::json j = nlohmann::json::parse(r.body);  // throws on invalid JSON or UTF-8
  EXPECT_EQ(j["hello"], "\xEF\xBF\xBD\xEF\xBF\xBD\"\\\n");
}

// ---- Per-request values -----------------------------------------------------------------

const ContextKey<std::string> kTag{"tag"};

TEST(RequestValuesOverSockets, ClearedBetweenRequestsOnOneConnection) {
  Handler inner = [](ResponseWriter& w, Request& r) {
    const std::string* tag = r.value(kTag);
    w.write(tag ? *tag : std::string("none"));
  };
  Middleware tagger = [](Handler next) -> Handler {
    return [next](ResponseWriter& w, Request& r) {
      if (std::string_view t = r.header("X-Tag"); !t.empty()) r.set_value(kTag, std::string(t));
      next.serve(w, r);
    };
  };
  testing::TestServer server(chain(inner, {tagger}));
  RawClient c(server.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Tag: first\r\n\r\n");
  auto a = c.read_response();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->body, "first");
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");  // same connection, same pooled exchange
  auto b = c.read_response();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->body, "none");
}

TEST(RequestValuesOverSockets, MiddlewareValuesReachTheHandler) {
  Handler inner = [](ResponseWriter& w, Request& r) {
    w.write(std::string(basic_auth_user(r)) + " " + std::string(request_id_of(r)));
  };
  testing::TestServer server(chain(inner, {request_id(), basic_auth("x", {{"ann", "pw"}})}));
  ParsedResponse r = test::get(server.port(), "/", "Authorization: Basic YW5uOnB3\r\nX-Request-ID: rid-7\r\n");
  EXPECT_EQ(r.body, "ann rid-7");
}

// ---- Custom error bodies ----------------------------------------------------------------

TEST(ErrorBodies, DefaultProtocolErrorsCarryAReason) {
  ServerConfig cfg = testing::test_config();
  cfg.max_header_bytes = 512;
  cfg.max_body_bytes = 10;
  testing::TestServer server([](ResponseWriter& w, Request&) { w.write("ok"); }, cfg);
  ParsedResponse no_host = roundtrip(server.port(), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(no_host.status, 400);
  EXPECT_EQ(no_host.body, "400 Bad Request: missing required Host header\n");
  ParsedResponse big = roundtrip(server.port(), "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n");
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.body.find("request body too large"), std::string::npos) << big.body;
  ParsedResponse huge =
      roundtrip(server.port(), "GET / HTTP/1.1\r\nHost: t\r\nX: " + std::string(600, 'x') + "\r\n\r\n");
  EXPECT_EQ(huge.status, 431);
  EXPECT_EQ(huge.body, "431 Request Header Fields Too Large: request header fields too large\n");
}

TEST(ErrorBodies, OneJsonWriterForServerAndMux) {
  ServerConfig cfg = testing::test_config();
  cfg.max_header_bytes = 512;
  cfg.error_writer = json_error_writer();
  ServeMux mux;
  mux.set_error_writer(json_error_writer());
  mux.handle("GET /items", [](ResponseWriter& w, Request&) { w.write("[]"); });
  testing::TestServer server(mux, cfg);

  auto expect_json = [](const ParsedResponse& r, int status, std::string_view message) {
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    nlohmann::json j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["error"], message) << r.body;
  };
  expect_json(test::get(server.port(), "/nope"), 404, "404 page not found");
  ParsedResponse not_allowed = test::request(server.port(), "DELETE", "/items");
  expect_json(not_allowed, 405, "Method Not Allowed");
  EXPECT_EQ(not_allowed.header("Allow"), "GET, HEAD");
  ParsedResponse no_host = roundtrip(server.port(), "GET / HTTP/1.1\r\n\r\n");
  expect_json(no_host, 400, "400 Bad Request: missing required Host header");
  EXPECT_EQ(no_host.header("Connection"), "close");
  expect_json(roundtrip(server.port(), "GET / HTTP/1.1\r\nHost: t\r\nX: " + std::string(600, 'x') + "\r\n\r\n"), 431,
              "431 Request Header Fields Too Large: request header fields too large");
  expect_json(roundtrip(server.port(), "GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501,
              "501 Not Implemented: unsupported transfer encoding");
}

TEST(ErrorBodies, AThrowingOrSilentWriterFallsBackToText) {
  for (bool throws : {true, false}) {
    SCOPED_TRACE(throws);
    ServerConfig cfg = testing::test_config();
    cfg.error_writer = [throws](ResponseWriter&, const Request&, int, std::string_view) {
      if (throws) throw std::runtime_error("broken writer");
    };
    testing::TestServer server([](ResponseWriter& w, Request&) { w.write("ok"); }, cfg);
    ParsedResponse r = roundtrip(server.port(), "GET / HTTP/1.1\r\n\r\n");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "400 Bad Request: missing required Host header\n");
  }
}

// ---- Access log of protocol rejects -----------------------------------------------------

TEST(AccessLogRejects, Http431And400AreLogged) {
  test::TempDir dir("nethttp-reject-log");
  const std::string path = (dir.path() / "access.log").string();
  AccessLog log({.format = AccessLogFormat::Common, .destination = path});
  ServerConfig cfg = testing::test_config();
  cfg.max_header_bytes = 512;
  cfg.reject_observers.push_back(log.reject_observer());
  {
    testing::TestServer server(chain([](ResponseWriter& w, Request&) { w.write("ok"); }, {log.middleware()}), cfg);
    EXPECT_EQ(test::get(server.port(), "/fine").status, 200);
    EXPECT_EQ(
        roundtrip(server.port(), "GET /big HTTP/1.1\r\nHost: t\r\nX: " + std::string(600, 'x') + "\r\n\r\n").status,
        431);
    EXPECT_EQ(roundtrip(server.port(), "GET /nohost HTTP/1.1\r\n\r\n").status, 400);
  }
  ASSERT_TRUE(log.flush());
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  EXPECT_NE(text.find("\"GET /fine HTTP/1.1\" 200 2"), std::string::npos) << text;
  EXPECT_NE(text.find("\"GET /big HTTP/1.1\" 431 "), std::string::npos) << text;
  EXPECT_NE(text.find("\"GET /nohost HTTP/1.1\" 400 "), std::string::npos) << text;
}

}  // namespace
}  // namespace nethttp
