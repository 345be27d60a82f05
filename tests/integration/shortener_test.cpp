// The shortener example's routes (examples/shortener/routes.hpp) served by a real Server
// and exercised over loopback sockets: shortening by JSON and by form, redirects and hit
// counts, every error status, and many clients hammering two event loops at once (this
// file also runs under TSan in the sanitizer builds).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../../examples/shortener/routes.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/testing.hpp"
#include "support/json_response.hpp"
#include "support/raw_client.hpp"

namespace shortener {
namespace {

using nethttp::test::expect_json_error;
using nethttp::test::json_body;
using nethttp::test::ParsedResponse;
using nethttp::test::request;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kForm = "application/x-www-form-urlencoded";

// shorten posts url as JSON and returns the new code, failing the test on anything but 201.
std::string shorten(std::uint16_t port, std::string_view url) {
  ParsedResponse r = request(port, "POST", "/shorten", Json{{"url", url}}.dump(), kJson);
  if (r.status != 201) throw std::runtime_error(fmt::format("shorten {}: {} {}", url, r.status, r.body));
  return Json::parse(r.body)["code"].get<std::string>();
}

std::uint64_t hits(std::uint16_t port, std::string_view code) {
  ParsedResponse r = request(port, "GET", fmt::format("/api/stats/{}", code));
  if (r.status != 200) throw std::runtime_error(fmt::format("stats {}: {} {}", code, r.status, r.body));
  return Json::parse(r.body)["hits"].get<std::uint64_t>();
}

nethttp::Handler shortener_handler(std::shared_ptr<LinkStore> store, RoutesOptions options = {}) {
  nethttp::ServeMux mux;
  register_routes(mux, std::move(store), std::move(options));
  return mux;
}

class Shortener : public ::testing::Test {
 protected:
  std::shared_ptr<LinkStore> store_ = std::make_shared<LinkStore>(5);
  nethttp::testing::TestServer server_{shortener_handler(store_)};
  std::uint16_t port() { return server_.port(); }
};

TEST_F(Shortener, ShortenRedirectAndCountHits) {
  ParsedResponse created = request(port(), "POST", "/shorten", R"({"url":"https://example.org/a/b?c=d#e"})", kJson);
  ASSERT_EQ(created.status, 201) << created.body;
  Json j = json_body(created);
  std::string code = j["code"];
  EXPECT_TRUE(is_code(code)) << code;
  EXPECT_EQ(j["url"], "https://example.org/a/b?c=d#e");
  EXPECT_EQ(j["short_url"], "http://127.0.0.1/" + code) << "built from the Host header";
  EXPECT_EQ(created.header("Location"), j["short_url"].get<std::string>());
  EXPECT_EQ(hits(port(), code), 0u);

  for (int i = 0; i < 2; ++i) {
    ParsedResponse r = request(port(), "GET", "/" + code);
    EXPECT_EQ(r.status, 302);
    EXPECT_EQ(r.header("Location"), "https://example.org/a/b?c=d#e");
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    EXPECT_NE(r.body.find("https://example.org/a/b?c=d#e"), std::string::npos) << "a link for old clients";
  }
  ParsedResponse head = request(port(), "HEAD", "/" + code);
  EXPECT_EQ(head.status, 302);
  EXPECT_EQ(head.header("Location"), "https://example.org/a/b?c=d#e");

  ParsedResponse stats = request(port(), "GET", "/api/stats/" + code);
  ASSERT_EQ(stats.status, 200);
  Json s = json_body(stats);
  EXPECT_EQ(s["code"], code);
  EXPECT_EQ(s["url"], "https://example.org/a/b?c=d#e");
  EXPECT_EQ(s["hits"], 2) << "GETs count, HEAD does not";
  EXPECT_EQ(s["created"].get<std::string>().size(), 20u) << s["created"];  // 2024-05-01T12:00:00Z
}

TEST_F(Shortener, ShortenFromAForm) {
  ParsedResponse r = request(port(), "POST", "/shorten", "x=1&url=http%3A%2F%2F127.0.0.1%3A9%2Fp%3Fq%3D1&y=2", kForm);
  ASSERT_EQ(r.status, 201) << r.body;
  std::string code = json_body(r)["code"];
  EXPECT_EQ(request(port(), "GET", "/" + code).header("Location"), "http://127.0.0.1:9/p?q=1");

  // curl -d sends a form; a missing Content-Type is read as one too.
  ParsedResponse plain = request(port(), "POST", "/shorten", "url=https://example.org/");
  ASSERT_EQ(plain.status, 201) << plain.body;
  EXPECT_EQ(json_body(plain)["url"], "https://example.org/");
}

TEST_F(Shortener, InvalidUrlsAre400) {
  struct Case {
    std::string body;
    std::string_view content_type;
  };
  std::string too_long = "https://example.org/" + std::string(kMaxUrlBytes, 'a');
  for (const Case& c : {
           Case{R"({"url":"ftp://example.org/"})", kJson},
           Case{R"({"url":"example.org"})", kJson},
           Case{R"({"url":"http://"})", kJson},
           Case{R"({"url":"https://user@example.org/"})", kJson},
           Case{R"({"url":""})", kJson},
           Case{R"({"url":5})", kJson},
           Case{R"({"link":"https://example.org/"})", kJson},
           Case{R"(["https://example.org/"])", kJson},
           Case{R"({"url":)", kJson},
           Case{"", kJson},
           Case{Json{{"url", too_long}}.dump(), kJson},
           Case{"url=javascript%3Aalert(1)", kForm},
           Case{"url=https://example.org/a+b", kForm},  // '+' is a space in a form
           Case{"url=https%3A%2F%2Fexample.org%2F%zz", kForm},
           Case{"link=https://example.org/", kForm},
           Case{"", kForm},
       }) {
    SCOPED_TRACE(c.body.substr(0, 80));
    expect_json_error(request(port(), "POST", "/shorten", c.body, c.content_type), 400);
  }
  EXPECT_EQ(store_->size(), 0u);
}

TEST_F(Shortener, OtherContentTypesAre415) {
  expect_json_error(request(port(), "POST", "/shorten", "https://example.org/", "text/plain"), 415);
  EXPECT_EQ(store_->size(), 0u);
}

TEST_F(Shortener, UnknownCodesAre404) {
  std::string code = shorten(port(), "https://example.org/");
  std::string other = code;
  other[0] = other[0] == 'a' ? 'b' : 'a';
  for (const std::string& target : {"/" + other, std::string("/nope"), std::string("/api"), "/api/stats/" + other,
                                    std::string("/api/stats/nope")}) {
    SCOPED_TRACE(target);
    expect_json_error(request(port(), "GET", target), 404);
  }
  EXPECT_EQ(hits(port(), code), 0u);
}

TEST_F(Shortener, RouterAnswers404And405) {
  expect_json_error(request(port(), "GET", "/a/b"), 404);  // the router answers JSON too
  ParsedResponse del = request(port(), "DELETE", "/shorten");
  expect_json_error(del, 405);
  EXPECT_NE(del.header("Allow").find("POST"), std::string::npos) << del.header("Allow");
  EXPECT_EQ(request(port(), "POST", "/api/stats/abcdefg", "x").status, 405);
}

TEST_F(Shortener, FullStoreIs503) {
  for (int i = 0; i < 5; ++i) shorten(port(), fmt::format("https://example.org/{}", i));
  expect_json_error(request(port(), "POST", "/shorten", R"({"url":"https://example.org/full"})", kJson), 503);
  EXPECT_EQ(store_->size(), 5u);
}

TEST(ShortenerOptions, BaseUrlPrefixesShortUrls) {
  nethttp::testing::TestServer server(
      shortener_handler(std::make_shared<LinkStore>(), RoutesOptions{"https://sho.rt"}));
  ParsedResponse r = request(server.port(), "POST", "/shorten", "url=https://example.org/", kForm);
  ASSERT_EQ(r.status, 201) << r.body;
  Json j = json_body(r);
  EXPECT_EQ(j["short_url"], "https://sho.rt/" + j["code"].get<std::string>());
}

TEST(ShortenerConcurrency, ManyClientsOnTwoLoops) {
  constexpr int kClients = 4;
  constexpr int kRounds = 20;
  auto store = std::make_shared<LinkStore>();
  nethttp::ServerConfig config = nethttp::testing::test_config();
  config.threads = 2;
  nethttp::testing::TestServer server(shortener_handler(store), config);
  const std::uint16_t port = server.port();
  const std::string shared = shorten(port, "https://example.org/shared");

  std::vector<std::vector<std::string>> codes(kClients);
  std::vector<std::string> failures(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      try {
        for (int i = 0; i < kRounds; ++i) {
          std::string url = fmt::format("https://example.org/{}/{}", c, i);
          std::string code = shorten(port, url);
          codes[static_cast<std::size_t>(c)].push_back(code);
          ParsedResponse own = request(port, "GET", "/" + code);
          if (own.status != 302 || own.header("Location") != url) {
            throw std::runtime_error(fmt::format("{} went to {} {}", code, own.status, own.header("Location")));
          }
          if (request(port, "GET", "/" + shared).status != 302) throw std::runtime_error("shared link lost");
        }
      } catch (const std::exception& e) {
        failures[static_cast<std::size_t>(c)] = e.what();
      }
    });
  }
  for (auto& t : clients) t.join();
  for (const std::string& f : failures) EXPECT_EQ(f, "");

  std::set<std::string> distinct;
  for (const auto& list : codes) {
    for (const std::string& code : list) {
      EXPECT_TRUE(distinct.insert(code).second) << "duplicate code " << code;
      EXPECT_EQ(hits(port, code), 1u) << code;
    }
  }
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kClients * kRounds));
  EXPECT_EQ(hits(port, shared), static_cast<std::uint64_t>(kClients * kRounds));
  EXPECT_EQ(store->size(), static_cast<std::size_t>(kClients * kRounds + 1));
}

}  // namespace
}  // namespace shortener
