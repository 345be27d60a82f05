// append_json_string and JsonWriter: every input, valid UTF-8 or not, gives valid JSON
// (checked by parsing it back with nlohmann/json, which rejects invalid UTF-8).
#include "nethttp/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "nethttp/testing.hpp"

namespace nethttp {
namespace {

TEST(JsonString, EscapesQuotesBackslashesAndControlBytes) {
  struct Case {
    std::string in, want;
  };
  for (const Case& c :
       {Case{"plain", "\"plain\""}, Case{"a\"b", "\"a\\\"b\""}, Case{"a\\b", "\"a\\\\b\""},
        Case{"\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\""}, Case{std::string("\0\x01\x1f", 3), "\"\\u0000\\u0001\\u001f\""},
        Case{"\x7f/", "\"\x7f/\""}, Case{"", "\"\""}}) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(json_string(c.in), c.want);
  }
}

TEST(JsonString, KeepsWellFormedUtf8) {
  const std::string s = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF";  // é € 😀 U+10FFFF
  EXPECT_EQ(json_string(s), "\"" + s + "\"");
}

TEST(JsonString, ReplacesEachIllFormedByteWithReplacementCharacter) {
  const std::string kFffd = "\xEF\xBF\xBD";
  struct Case {
    std::string in, want;
  };
  for (const Case& c : {
           Case{"\xff\xfe", kFffd + kFffd},                          // the middleware example's %ff%fe
           Case{"\xC0\xAF", kFffd + kFffd},                          // overlong '/'
           Case{"\xE0\x80\xAF", kFffd + kFffd + kFffd},              // overlong, three bytes
           Case{"\xED\xA0\x80", kFffd + kFffd + kFffd},              // a surrogate, U+D800
           Case{"\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd},  // past U+10FFFF
           Case{"a\xC3", "a" + kFffd},                               // truncated at the end
           Case{"\xC3(", kFffd + "("},                               // bad continuation
           Case{"\x80", kFffd},                                      // lone continuation byte
       }) {
    SCOPED_TRACE(::testing::PrintToString(c.in));
    EXPECT_EQ(json_string(c.in), "\"" + c.want + "\"");
  }
}

TEST(JsonString, EveryByteAndEveryPairParsesBack) {
  // All 65536 two-byte strings, plus each byte alone: the output must always be valid JSON.
  for (int a = 0; a < 256; ++a) {
    for (int b = -1; b < 256; ++b) {
      std::string s(1, static_cast<char>(a));
      if (b >= 0) s.push_back(static_cast<char>(b));
      std::string out = json_string(s);
      nlohmann::json j = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
      ASSERT_FALSE(j.is_discarded()) << a << " " << b << ": " << out;
      ASSERT_TRUE(j.is_string());
    }
  }
}

TEST(JsonWriter, BuildsNestedValues) {
  JsonWriter j;
  j.begin_object()
      .member("id", 7)
      .member("name", "pen \"blue\"")
      .member("ok", true)
      .key("tags")
      .begin_array()
      .value("a")
      .value(std::string("b"))
      .end_array()
      .key("empty")
      .begin_object()
      .end_object()
      .key("n")
      .null()
      .member("big", 18446744073709551615ULL)
      .member("neg", -5L)
      .member("half", 0.5)
      .end_object();
  EXPECT_EQ(j.str(), R"({"id":7,"name":"pen \"blue\"","ok":true,"tags":["a","b"],"empty":{},"n":null,)"
                     R"("big":18446744073709551615,"neg":-5,"half":0.5})");
  EXPECT_TRUE(nlohmann::json::accept(j.str()));
}

TEST(JsonWriter, NonFiniteDoublesAreNull) {
  JsonWriter j;
  j.begin_array().value(std::nan("")).value(std::numeric_limits<double>::infinity()).value(1e300).end_array();
  EXPECT_EQ(j.str(), "[null,null,1e+300]");
}

TEST(JsonWriter, MisuseThrowsInsteadOfEmittingInvalidJson) {
  {
    JsonWriter j;
    j.begin_object();
    EXPECT_THROW(j.value(1), std::logic_error);     // a value where a key is due
    EXPECT_THROW((void)j.str(), std::logic_error);  // incomplete
    EXPECT_THROW(j.end_array(), std::logic_error);
  }
  {
    JsonWriter j;
    EXPECT_THROW(j.key("k"), std::logic_error);
    j.value(1);
    EXPECT_THROW(j.value(2), std::logic_error);  // a second top-level value
  }
  {
    JsonWriter j;
    j.begin_object().key("k");
    EXPECT_THROW(j.end_object(), std::logic_error);  // a key without its value
    EXPECT_THROW(j.key("again"), std::logic_error);
  }
  JsonWriter empty;
  EXPECT_FALSE(empty.complete());
  EXPECT_THROW((void)empty.str(), std::logic_error);
}

TEST(WriteJson, SetsContentTypeStatusAndNewline) {
  Request r("GET", "/");
  auto rec = testing::serve(
      [](ResponseWriter& w, Request&) {
        JsonWriter j;
        j.begin_object().member("a", 1).end_object();
        write_json(w, j, Status::Created);
      },
      r);
  EXPECT_EQ(rec->status(), 201);
  EXPECT_EQ(rec->headers().get("Content-Type"), "application/json");
  EXPECT_EQ(rec->body(), "{\"a\":1}\n");
}

TEST(JsonError, EscapesTheMessageAndDropsSuccessHeaders) {
  Request r("GET", "/");
  auto rec = testing::serve(
      [](ResponseWriter& w, Request&) {
        w.headers().set("Content-Length", "99");
        w.headers().set("ETag", "\"x\"");
        json_error(w, "bad \"name\" \xff", Status::BadRequest);
      },
      r);
  EXPECT_EQ(rec->status(), 400);
  EXPECT_EQ(rec->headers().get("Content-Type"), "application/json");
  EXPECT_EQ(rec->headers().get("X-Content-Type-Options"), "nosniff");
  EXPECT_FALSE(rec->headers().has("ETag"));
  nlohmann::json j = nlohmann::json::parse(rec->body());
  EXPECT_EQ(j["error"], "bad \"name\" \xEF\xBF\xBD");
}

}  // namespace
}  // namespace nethttp
