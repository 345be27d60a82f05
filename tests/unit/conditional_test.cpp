// Conditional requests: entity-tag lists, HTTP dates and RFC 9110 section 13.2.2's order.

#include "fs/conditional.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <ctime>
#include <initializer_list>
#include <utility>

#include "fs/http_date.hpp"

namespace nethttp::detail {
namespace {

constexpr std::time_t kModified = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
constexpr std::string_view kTag = "\"abc-1\"";

Request make(std::string_view method, std::initializer_list<std::pair<std::string_view, std::string_view>> headers) {
  Request r(method, "/file");
  for (auto& [n, v] : headers) r.headers().add(n, v);
  return r;
}

Validators validators() { return Validators{kTag, kModified}; }

TEST(HttpDate, FormatsImfFixdate) {
  EXPECT_EQ(format_http_date(kModified), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(HttpDate, FormatMatchesStrftimeAcrossCenturies) {
  // The formatter does its own calendar arithmetic; check it against the C library.
  for (std::time_t t = -2208988800; t < 4102444800; t += 86400 * 7 + 3601 * 5 + 17) {
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char want[64];
    std::strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    ASSERT_EQ(format_http_date(t), want) << t;
    ASSERT_EQ(parse_http_date(want), t) << want;
  }
}

TEST(HttpDate, ParsesAllThreeForms) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kModified);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kModified);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kModified);
  EXPECT_EQ(parse_http_date(format_http_date(1700000000)), 1700000000);
}

TEST(HttpDate, RejectsMalformedDates) {
  for (std::string_view s :
       {"", "yesterday", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:49:37 GMT",
        "Sun, 06 Nov 1994 08:61:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun Nov  6 08:49:37 94", "Sunday, 06-Nov-1994 08:49:37 GMT", "1700000000"}) {
    SCOPED_TRACE(s);
    EXPECT_FALSE(parse_http_date(s).has_value());
  }
}

TEST(ETagList, StrongAndWeakComparison) {
  struct Case {
    std::string_view list, etag;
    bool strong, want;
  };
  for (const Case& c : {
           Case{"\"a\"", "\"a\"", true, true},
           Case{"\"a\"", "\"b\"", true, false},
           Case{"W/\"a\"", "\"a\"", true, false},
           Case{"W/\"a\"", "\"a\"", false, true},
           Case{"\"a\"", "W/\"a\"", false, true},
           Case{"\"a\"", "W/\"a\"", true, false},
           Case{"\"x\", \"a\"", "\"a\"", true, true},
           Case{" \"x\" ,\t\"y\" , \"a\" ", "\"a\"", false, true},
           Case{",,\"a\"", "\"a\"", true, true},
           Case{"*", "\"a\"", true, true},
           Case{"*", "", true, true},
           Case{"\"a\"", "", true, false},
           Case{"a", "\"a\"", false, false},                // unquoted: malformed
           Case{"\"x\", a, \"a\"", "\"a\"", false, false},  // scan stops at the malformed member
           Case{"\"a", "\"a\"", false, false},
           Case{"", "\"a\"", false, false},
       }) {
    SCOPED_TRACE(fmt::format("list [{}] etag [{}] strong {}", c.list, c.etag, c.strong));
    EXPECT_EQ(etag_matches_list(c.list, c.etag, c.strong), c.want);
  }
}

TEST(Preconditions, NoneMeansProceed) {
  EXPECT_EQ(evaluate_preconditions(make("GET", {}), validators()), Precondition::proceed);
}

TEST(Preconditions, IfMatch) {
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Match", kTag}}), validators()), Precondition::proceed);
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Match", "*"}}), validators()), Precondition::proceed);
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Match", "\"other\""}}), validators()), Precondition::failed);
  // If-Match uses strong comparison: a weak tag never matches.
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Match", "W/\"abc-1\""}}), validators()), Precondition::failed);
  // Several header lines form one list.
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Match", "\"x\""}, {"If-Match", kTag}}), validators()),
            Precondition::proceed);
}

TEST(Preconditions, IfUnmodifiedSince) {
  EXPECT_EQ(
      evaluate_preconditions(make("GET", {{"If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"}}), validators()),
      Precondition::proceed);
  EXPECT_EQ(
      evaluate_preconditions(make("GET", {{"If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"}}), validators()),
      Precondition::failed);
  // An invalid date is ignored.
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Unmodified-Since", "garbage"}}), validators()),
            Precondition::proceed);
  // Ignored when If-Match is present (step 2 runs only without it).
  EXPECT_EQ(
      evaluate_preconditions(
          make("GET", {{"If-Match", kTag}, {"If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"}}), validators()),
      Precondition::proceed);
  // Ignored without a modification time.
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"}}),
                                   Validators{kTag, std::nullopt}),
            Precondition::proceed);
}

TEST(Preconditions, IfNoneMatch) {
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-None-Match", kTag}}), validators()), Precondition::not_modified);
  EXPECT_EQ(evaluate_preconditions(make("HEAD", {{"If-None-Match", "W/\"abc-1\""}}), validators()),
            Precondition::not_modified);  // weak comparison
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-None-Match", "\"a\", \"abc-1\""}}), validators()),
            Precondition::not_modified);
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-None-Match", "*"}}), validators()), Precondition::not_modified);
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-None-Match", "\"other\""}}), validators()), Precondition::proceed);
  // Other methods get 412 instead of 304.
  EXPECT_EQ(evaluate_preconditions(make("POST", {{"If-None-Match", kTag}}), validators()), Precondition::failed);
}

TEST(Preconditions, IfModifiedSince) {
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"}}), validators()),
            Precondition::not_modified);
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Modified-Since", "Mon, 07 Nov 1994 08:49:37 GMT"}}), validators()),
            Precondition::not_modified);
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Modified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"}}), validators()),
            Precondition::proceed);
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Modified-Since", "not a date"}}), validators()),
            Precondition::proceed);
  // Only GET and HEAD.
  EXPECT_EQ(
      evaluate_preconditions(make("POST", {{"If-Modified-Since", "Mon, 07 Nov 1994 08:49:37 GMT"}}), validators()),
      Precondition::proceed);
  // Two header lines: ignored.
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Modified-Since", "Mon, 07 Nov 1994 08:49:37 GMT"},
                                                {"If-Modified-Since", "Mon, 07 Nov 1994 08:49:37 GMT"}}),
                                   validators()),
            Precondition::proceed);
}

TEST(Preconditions, EvaluationOrder) {
  // If-None-Match wins over If-Modified-Since: a changed tag means changed content, even
  // when the date says otherwise (step 4 runs only without If-None-Match).
  EXPECT_EQ(evaluate_preconditions(
                make("GET", {{"If-None-Match", "\"old\""}, {"If-Modified-Since", "Mon, 07 Nov 1994 08:49:37 GMT"}}),
                validators()),
            Precondition::proceed);
  // A failing If-Match wins over a matching If-None-Match (step 1 before step 3).
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Match", "\"other\""}, {"If-None-Match", kTag}}), validators()),
            Precondition::failed);
  // A failing If-Unmodified-Since wins over an unchanged If-Modified-Since.
  EXPECT_EQ(evaluate_preconditions(make("GET", {{"If-Unmodified-Since", "Sat, 05 Nov 1994 08:49:37 GMT"},
                                                {"If-Modified-Since", "Mon, 07 Nov 1994 08:49:37 GMT"}}),
                                   validators()),
            Precondition::failed);
}

TEST(IfRange, EntityTagsCompareStrongly) {
  EXPECT_TRUE(if_range_allows(make("GET", {}), validators()));
  EXPECT_TRUE(if_range_allows(make("GET", {{"If-Range", kTag}}), validators()));
  EXPECT_FALSE(if_range_allows(make("GET", {{"If-Range", "\"stale\""}}), validators()));
  EXPECT_FALSE(if_range_allows(make("GET", {{"If-Range", "W/\"abc-1\""}}), validators()));
  EXPECT_FALSE(if_range_allows(make("GET", {{"If-Range", "\"abc-1\" junk"}}), validators()));
  EXPECT_FALSE(if_range_allows(make("GET", {{"If-Range", kTag}}), Validators{"W/\"abc-1\"", kModified}));
}

TEST(IfRange, DatesMustMatchExactly) {
  EXPECT_TRUE(if_range_allows(make("GET", {{"If-Range", "Sun, 06 Nov 1994 08:49:37 GMT"}}), validators()));
  EXPECT_FALSE(if_range_allows(make("GET", {{"If-Range", "Sun, 06 Nov 1994 08:49:38 GMT"}}), validators()));
  EXPECT_FALSE(if_range_allows(make("GET", {{"If-Range", "Sun, 06 Nov 1994 08:49:36 GMT"}}), validators()));
  EXPECT_FALSE(if_range_allows(make("GET", {{"If-Range", "garbage"}}), validators()));
  EXPECT_FALSE(
      if_range_allows(make("GET", {{"If-Range", "Sun, 06 Nov 1994 08:49:37 GMT"}}), Validators{kTag, std::nullopt}));
}

}  // namespace
}  // namespace nethttp::detail
