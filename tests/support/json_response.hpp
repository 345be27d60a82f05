#pragma once
// Checks for JSON answers, shared by the tests of the JSON examples (json_api, shortener).
// Header-only, so that only the tests that include it need nlohmann-json.

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "support/raw_client.hpp"

namespace nethttp::test {

/// json_body parses a response body, failing the test (with the body) when it is not JSON
/// sent as application/json.
inline nlohmann::json json_body(const ParsedResponse& r) {
  EXPECT_EQ(r.header("Content-Type"), "application/json") << r.body;
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << r.body;
  return j;
}

/// expect_json_error checks an error answer: its status and a {"error": "..."} body whose
/// message is not empty.
inline void expect_json_error(const ParsedResponse& r, int status) {
  EXPECT_EQ(r.status, status) << r.body;
  nlohmann::json j = json_body(r);
  ASSERT_TRUE(j.is_object()) << r.body;
  ASSERT_TRUE(j.contains("error")) << r.body;
  ASSERT_TRUE(j["error"].is_string()) << r.body;
  EXPECT_FALSE(j["error"].get<std::string>().empty()) << r.body;
}

}  // namespace nethttp::test
