// Forms: parse_urlencoded and Request::parse_form (Go's url.ParseQuery and ParseForm).
#include "nethttp/form.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nethttp/request.hpp"

namespace nethttp {
namespace {

Request form_post(std::string_view target, std::string_view body,
                  std::string_view type = "application/x-www-form-urlencoded") {
  Request r("POST", target, body);
  if (!type.empty()) r.headers().add("Content-Type", type);
  return r;
}

TEST(ParseUrlencoded, DecodesPairsInOrderWithRepeats) {
  FormValues v;
  EXPECT_EQ(parse_urlencoded("a=1&b=x+y&a=2&c&&d=%41%3d%26&=e", v), FormError::None);
  std::vector<FormValues::Pair> want = {{"a", "1"}, {"b", "x y"}, {"a", "2"}, {"c", ""}, {"d", "A=&"}, {"", "e"}};
  EXPECT_EQ(std::vector<FormValues::Pair>(v.begin(), v.end()), want);
  EXPECT_EQ(v.get("a"), "1");
  EXPECT_EQ(v.get_all("a"), (std::vector<std::string_view>{"1", "2"}));
  EXPECT_TRUE(v.has("c"));
  EXPECT_FALSE(v.has("z"));
  EXPECT_EQ(v.get("z"), "");
}

TEST(ParseUrlencoded, SkipsBadEscapesButReadsTheRest) {
  for (std::string_view bad : {"%zz", "%4", "%", "x=%g1"}) {
    SCOPED_TRACE(bad);
    FormValues v;
    std::string s = "a=1&" + std::string(bad) + "&b=2";
    EXPECT_EQ(parse_urlencoded(s, v), FormError::Malformed);
    EXPECT_EQ(v.size(), 2u);
    EXPECT_EQ(v.get("b"), "2");
  }
}

TEST(ParseUrlencoded, StopsAtTheFieldLimit) {
  FormValues v;
  EXPECT_EQ(parse_urlencoded("a=1&b=2&c=3", v, 2), FormError::TooManyFields);
  FormValues ok;
  EXPECT_EQ(parse_urlencoded("a=1&b=2&&", ok, 2), FormError::None);  // empty pairs do not count
}

TEST(ParseForm, MergesBodyThenQueryAsGoDoes) {
  Request r = form_post("/p?a=q1&q=only", "a=b1&a=b2&x=%20y");
  EXPECT_EQ(r.parse_form(), FormError::None);
  EXPECT_EQ(r.form().get_all("a"), (std::vector<std::string_view>{"b1", "b2", "q1"}));
  EXPECT_EQ(r.post_form().get_all("a"), (std::vector<std::string_view>{"b1", "b2"}));
  EXPECT_EQ(r.form_value("q"), "only");
  EXPECT_EQ(r.post_form_value("q"), "");
  EXPECT_EQ(r.post_form_value("x"), " y");
}

TEST(ParseForm, ReadsTheBodyOnlyForPostPutPatchWithTheFormType) {
  struct Case {
    std::string_view method, type;
    bool body_read;
  };
  for (const Case& c :
       {Case{"POST", "application/x-www-form-urlencoded", true},
        Case{"PUT", "Application/X-WWW-Form-Urlencoded; charset=utf-8", true},
        Case{"PATCH", " application/x-www-form-urlencoded ", true},
        Case{"GET", "application/x-www-form-urlencoded", false},
        Case{"DELETE", "application/x-www-form-urlencoded", false}, Case{"POST", "application/json", false},
        Case{"POST", "", false}, Case{"POST", "multipart/form-data; boundary=x", false}}) {
    SCOPED_TRACE(std::string(c.method) + " " + std::string(c.type));
    Request r(c.method, "/?q=1", "b=2");
    if (!c.type.empty()) r.headers().add("Content-Type", c.type);
    EXPECT_EQ(r.parse_form(), FormError::None);
    EXPECT_EQ(r.form_value("q"), "1");
    EXPECT_EQ(r.form_value("b"), c.body_read ? "2" : "");
  }
}

TEST(ParseForm, LimitsGive413AndLeaveTheFormEmpty) {
  Request big = form_post("/?q=1", std::string(100, 'a'));
  EXPECT_EQ(big.parse_form({.max_fields = 1000, .max_bytes = 99}), FormError::TooLarge);
  EXPECT_TRUE(big.form().empty());
  EXPECT_EQ(status_for(FormError::TooLarge), 413);

  Request many = form_post("/?q=1&r=2", "a=1&b=2");
  EXPECT_EQ(many.parse_form({.max_fields = 3, .max_bytes = 100}), FormError::TooManyFields);
  EXPECT_TRUE(many.form().empty());
  EXPECT_TRUE(many.post_form().empty());
  EXPECT_EQ(status_for(FormError::TooManyFields), 413);

  Request exact = form_post("/?q=1&r=2", "a=1&b=2");
  EXPECT_EQ(exact.parse_form({.max_fields = 4, .max_bytes = 7}), FormError::None);
  EXPECT_EQ(exact.form().size(), 4u);
}

TEST(ParseForm, MalformedIs400AndKeepsWhatDecoded) {
  Request r = form_post("/?q=%zz&ok=1", "a=%41&b=%");
  EXPECT_EQ(r.parse_form(), FormError::Malformed);
  EXPECT_EQ(status_for(FormError::Malformed), 400);
  EXPECT_FALSE(form_error_message(FormError::Malformed).empty());
  EXPECT_EQ(r.form_value("a"), "A");
  EXPECT_EQ(r.form_value("ok"), "1");
  EXPECT_FALSE(r.form().has("b"));
}

TEST(ParseForm, ParsesOnceAndResetsWithTheRequest) {
  Request r = form_post("/", "a=1");
  EXPECT_EQ(r.parse_form(), FormError::None);
  // A later call with a tighter limit returns the first result, as Go's ParseForm does.
  EXPECT_EQ(r.parse_form({.max_fields = 0, .max_bytes = 0}), FormError::None);
  r.set_body("a=2");
  EXPECT_EQ(r.form_value("a"), "2");  // a new body is parsed again
  r.reset();
  EXPECT_TRUE(r.form().empty());
}

}  // namespace
}  // namespace nethttp
