// The json_api example's routes (examples/json_api/api.hpp) served by a real Server and
// exercised over loopback sockets: every endpoint, every error status, and concurrent
// creates spread over two event loops.
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

#include "../../examples/json_api/api.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/testing.hpp"
#include "nethttp/version.hpp"
#include "support/json_response.hpp"
#include "support/raw_client.hpp"

namespace json_api {
namespace {

using nethttp::test::expect_json_error;
using nethttp::test::json_body;
using nethttp::test::ParsedResponse;

// call sends one request on a fresh connection; a body goes as JSON unless content_type
// says otherwise. Throws if the server closed without answering.
ParsedResponse call(std::uint16_t port, std::string_view method, std::string_view target, std::string_view body = {},
                    std::string_view content_type = "application/json") {
  return nethttp::test::request(port, method, target, body, content_type);
}

nethttp::Handler api_handler(std::shared_ptr<ItemStore> store) {
  nethttp::ServeMux mux;
  register_routes(mux, std::move(store));
  return mux;
}

class JsonApi : public ::testing::Test {
 protected:
  std::shared_ptr<ItemStore> store_ = std::make_shared<ItemStore>(3);
  nethttp::testing::TestServer server_{api_handler(store_)};
  std::uint16_t port() { return server_.port(); }
};

TEST_F(JsonApi, StatusReportsVersionUptimeAndItemCount) {
  ASSERT_TRUE(store_->create({"pen", 1}));
  ParsedResponse r = call(port(), "GET", "/api/status");
  ASSERT_EQ(r.status, 200);
  Json j = json_body(r);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["version"], NETHTTP_VERSION_STRING);
  ASSERT_TRUE(j["uptime_seconds"].is_number());
  EXPECT_GE(j["uptime_seconds"].get<double>(), 0.0);
  EXPECT_EQ(j["items"], 1);
}

TEST_F(JsonApi, CreateReadUpdateDeleteRoundTrip) {
  ParsedResponse created = call(port(), "POST", "/api/items", R"({"name":"pen","quantity":3})");
  ASSERT_EQ(created.status, 201) << created.body;
  Json item = json_body(created);
  ASSERT_TRUE(item["id"].is_number_unsigned());
  std::string path = "/api/items/" + std::to_string(item["id"].get<std::uint64_t>());
  EXPECT_EQ(created.header("Location"), path);
  EXPECT_EQ(item["name"], "pen");
  EXPECT_EQ(item["quantity"], 3);

  ParsedResponse second = call(port(), "POST", "/api/items", R"({"name":"ink"})");
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(json_body(second)["quantity"], 0) << "quantity defaults to 0";

  ParsedResponse got = call(port(), "GET", path);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json_body(got), item);

  ParsedResponse list = call(port(), "GET", "/api/items");
  ASSERT_EQ(list.status, 200);
  Json items = json_body(list)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0], item) << "items are listed by id";
  EXPECT_EQ(items[1]["name"], "ink");

  ParsedResponse updated = call(port(), "PUT", path, R"({"name":"red pen","quantity":7})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(json_body(updated)["name"], "red pen");
  EXPECT_EQ(json_body(call(port(), "GET", path))["quantity"], 7);

  ParsedResponse deleted = call(port(), "DELETE", path);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  expect_json_error(call(port(), "GET", path), 404);
  expect_json_error(call(port(), "DELETE", path), 404);
  EXPECT_EQ(json_body(call(port(), "GET", "/api/items"))["items"].size(), 1u);
}

TEST_F(JsonApi, MalformedBodiesAre400WithAJsonError) {
  ASSERT_TRUE(store_->create({"pen", 1}));
  for (std::string_view body : {"", "{", "not json", "[]", "\"pen\"", R"({"quantity":1})", R"({"name":5})",
                                R"({"name":""})", R"({"name":"x","quantity":-1})", R"({"name":"x","quantity":1.5})",
                                R"({"name":"x","quantity":"3"})", R"({"name":"x","quantity":1000000001})",
                                R"({"name":"x","quantity":18446744073709551615})", "{\"name\":\"\xff\"}"}) {
    SCOPED_TRACE(body);
    expect_json_error(call(port(), "POST", "/api/items", body), 400);
    expect_json_error(call(port(), "PUT", "/api/items/1", body), 400);
  }
  std::string long_name = R"({"name":")" + std::string(kMaxNameBytes + 1, 'n') + "\"}";
  expect_json_error(call(port(), "POST", "/api/items", long_name), 400);
  std::string max_name = R"({"name":")" + std::string(kMaxNameBytes, 'n') + "\"}";
  EXPECT_EQ(call(port(), "POST", "/api/items", max_name).status, 201);
  EXPECT_EQ(store_->size(), 2u) << "no failed request may store anything";
}

TEST_F(JsonApi, NonJsonContentTypeIs415) {
  expect_json_error(call(port(), "POST", "/api/items", "name=pen", "application/x-www-form-urlencoded"), 415);
  expect_json_error(call(port(), "POST", "/api/items", R"({"name":"pen"})", "text/plain"), 415);
  // Parameters and case do not matter, and a body without Content-Type is taken as JSON.
  EXPECT_EQ(call(port(), "POST", "/api/items", R"({"name":"a"})", "Application/JSON; charset=utf-8").status, 201);
  EXPECT_EQ(call(port(), "POST", "/api/items", R"({"name":"b"})", "").status, 201);
}

TEST_F(JsonApi, InvalidIdsAre400AndMissingItemsAre404) {
  for (std::string_view id : {"abc", "0", "-1", "1x", "99999999999999999999999", "%31"}) {
    SCOPED_TRACE(id);
    std::string path = fmt::format("/api/items/{}", id);
    if (id == "%31") {
      // Path values are decoded: %31 is "1", a valid id of a missing item.
      expect_json_error(call(port(), "GET", path), 404);
      continue;
    }
    expect_json_error(call(port(), "GET", path), 400);
    expect_json_error(call(port(), "PUT", path, R"({"name":"x"})"), 400);
    expect_json_error(call(port(), "DELETE", path), 400);
  }
  expect_json_error(call(port(), "GET", "/api/items/42"), 404);
  expect_json_error(call(port(), "PUT", "/api/items/42", R"({"name":"x"})"), 404);
  expect_json_error(call(port(), "DELETE", "/api/items/42"), 404);
}

TEST_F(JsonApi, FullStoreIs503) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(call(port(), "POST", "/api/items", R"({"name":"x"})").status, 201);
  expect_json_error(call(port(), "POST", "/api/items", R"({"name":"x"})"), 503);
  EXPECT_EQ(store_->size(), 3u);
}

TEST_F(JsonApi, RouterAnswersUnknownPathsAndWrongMethods) {
  expect_json_error(call(port(), "GET", "/api/nothing"), 404);  // the router answers JSON too
  EXPECT_EQ(call(port(), "GET", "/").status, 404);

  ParsedResponse patch = call(port(), "PATCH", "/api/items/1", R"({"name":"x"})");
  EXPECT_EQ(patch.status, 405);
  std::string allow = patch.header("Allow");
  for (std::string_view m : {"GET", "PUT", "DELETE"}) EXPECT_NE(allow.find(m), std::string::npos) << allow;

  ParsedResponse del = call(port(), "DELETE", "/api/items");
  EXPECT_EQ(del.status, 405);
  EXPECT_NE(del.header("Allow").find("POST"), std::string::npos) << del.header("Allow");
  EXPECT_EQ(call(port(), "POST", "/api/status").status, 405);
}

TEST(JsonApiConcurrency, CreatesFromManyClientsOnTwoLoopsGetDistinctIds) {
  constexpr int kClients = 4;
  constexpr int kPerClient = 25;
  auto store = std::make_shared<ItemStore>();
  nethttp::ServerConfig config = nethttp::testing::test_config();
  config.threads = 2;
  nethttp::testing::TestServer server(api_handler(store), config);

  std::vector<std::vector<std::uint64_t>> ids(kClients);
  std::vector<std::string> failures(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      try {
        for (int i = 0; i < kPerClient; ++i) {
          std::string body = fmt::format(R"({{"name":"c{}-{}","quantity":{}}})", c, i, i);
          ParsedResponse r = call(server.port(), "POST", "/api/items", body);
          if (r.status != 201) throw std::runtime_error(fmt::format("status {}: {}", r.status, r.body));
          Json j = Json::parse(r.body);
          ids[static_cast<std::size_t>(c)].push_back(j["id"].get<std::uint64_t>());
          ParsedResponse got = call(server.port(), "GET", r.header("Location"));
          if (got.status != 200 || Json::parse(got.body)["name"] != fmt::format("c{}-{}", c, i)) {
            throw std::runtime_error("read back the wrong item: " + got.body);
          }
        }
      } catch (const std::exception& e) {
        failures[static_cast<std::size_t>(c)] = e.what();
      }
    });
  }
  for (auto& t : clients) t.join();
  for (const std::string& f : failures) EXPECT_EQ(f, "");

  std::set<std::uint64_t> distinct;
  for (const auto& list : ids) distinct.insert(list.begin(), list.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kClients * kPerClient));
  EXPECT_EQ(store->size(), static_cast<std::size_t>(kClients * kPerClient));
  ParsedResponse list = call(server.port(), "GET", "/api/items");
  EXPECT_EQ(Json::parse(list.body)["items"].size(), static_cast<std::size_t>(kClients * kPerClient));
}

}  // namespace
}  // namespace json_api
