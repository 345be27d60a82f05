// Range header parsing (RFC 9110 section 14): grammar, satisfiability and abuse limits.

#include "fs/range.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nethttp::detail {
namespace {

using R = std::vector<ByteRange>;

TEST(RangeParse, NoHeaderIsNone) {
  EXPECT_EQ(parse_range("", 100).outcome, RangeOutcome::none);
  EXPECT_EQ(parse_range("  ", 100).outcome, RangeOutcome::none);
}

TEST(RangeParse, SatisfiableForms) {
  struct Case {
    std::string_view header;
    std::uint64_t size;
    R want;
  };
  for (const Case& c : {
           Case{"bytes=0-0", 100, R{{0, 1}}},
           Case{"bytes=0-99", 100, R{{0, 100}}},
           Case{"bytes=10-19", 100, R{{10, 10}}},
           Case{"bytes=90-", 100, R{{90, 10}}},
           Case{"bytes=90-1000", 100, R{{90, 10}}},  // last-pos past the end is clamped
           Case{"bytes=-10", 100, R{{90, 10}}},      // suffix
           Case{"bytes=-1000", 100, R{{0, 100}}},    // suffix longer than the content
           Case{"BYTES=0-4", 100, R{{0, 5}}},        // the unit is case-insensitive
           Case{"bytes = 0-4", 100, R{{0, 5}}},
           Case{"bytes=0-4,10-14", 100, R{{0, 5}, {10, 5}}},
           Case{"bytes= 0-4 , 10-14 ", 100, R{{0, 5}, {10, 5}}},
           Case{"bytes=0-4,,10-14,", 100, R{{0, 5}, {10, 5}}},  // empty list elements
           Case{"bytes=0-4,200-300", 100, R{{0, 5}}},           // unsatisfiable member dropped
           Case{"bytes=0-4,-0", 100, R{{0, 5}}},
           Case{"bytes=0-18446744073709551615", 100, R{{0, 100}}},
           Case{"bytes=0-99999999999999999999999", 100, R{{0, 100}}},  // saturates, no overflow
           Case{"bytes=-99999999999999999999999", 100, R{{0, 100}}},
           Case{"bytes=0-4,5-9", 10, R{{0, 5}, {5, 5}}},      // adjacent, adding up to exactly size
           Case{"bytes=10-14,0-4", 100, R{{10, 5}, {0, 5}}},  // two out of order are fine
       }) {
    SCOPED_TRACE(fmt::format("{} size {}", c.header, c.size));
    RangeRequest got = parse_range(c.header, c.size);
    ASSERT_EQ(got.outcome, RangeOutcome::satisfiable);
    EXPECT_EQ(got.ranges, c.want);
  }
}

TEST(RangeParse, MalformedOrOtherUnitIsIgnored) {
  for (std::string_view h : {"bytes", "bytes=", "bytes=,", "bytes=abc", "bytes=1", "bytes=5-4", "bytes=--5",
                             "bytes=1-2-3", "bytes=-", "bytes=0x10-20", "bytes=+1-2", "bytes=1-+2", "items=0-5",
                             "bytes0-5", "=0-5", "bytes=0-4,oops", "bytes=1 0-20", "bytes=-1 0"}) {
    SCOPED_TRACE(h);
    RangeRequest got = parse_range(h, 100);
    EXPECT_EQ(got.outcome, RangeOutcome::ignored);
    EXPECT_TRUE(got.ranges.empty());
  }
}

TEST(RangeParse, Unsatisfiable) {
  struct Case {
    std::string_view header;
    std::uint64_t size;
  };
  for (const Case& c : {Case{"bytes=100-", 100}, Case{"bytes=100-200", 100}, Case{"bytes=-0", 100},
                        Case{"bytes=200-300,100-", 100}, Case{"bytes=0-", 0}, Case{"bytes=0-0", 0},
                        Case{"bytes=18446744073709551615-", 100}, Case{"bytes=99999999999999999999999-", 100}}) {
    SCOPED_TRACE(fmt::format("{} size {}", c.header, c.size));
    EXPECT_EQ(parse_range(c.header, c.size).outcome, RangeOutcome::unsatisfiable);
  }
}

TEST(RangeParse, SuffixOnEmptyContentIsIgnored) {
  EXPECT_EQ(parse_range("bytes=-5", 0).outcome, RangeOutcome::ignored);
}

TEST(RangeParse, TooManyRangesIsIgnored) {
  std::string h = "bytes=";
  for (std::size_t i = 0; i < kMaxRanges; ++i) h += fmt::format("{}{}-{}", i ? "," : "", i * 10, i * 10 + 1);
  EXPECT_EQ(parse_range(h, 1000).outcome, RangeOutcome::satisfiable);
  EXPECT_EQ(parse_range(h, 1000).ranges.size(), kMaxRanges);
  h += ",900-901";
  EXPECT_EQ(parse_range(h, 1000).outcome, RangeOutcome::ignored);
}

TEST(RangeParse, MoreThanTheContentIsIgnored) {
  // The classic amplification: the whole file many times over.
  EXPECT_EQ(parse_range("bytes=0-,0-", 100).outcome, RangeOutcome::ignored);
  EXPECT_EQ(parse_range("bytes=0-60,40-99", 100).outcome, RangeOutcome::ignored);
  EXPECT_EQ(parse_range("bytes=-60,-60", 100).outcome, RangeOutcome::ignored);
}

TEST(RangeParse, OverlapsAndDisorderLimits) {
  // Two overlapping ranges are allowed (RFC 9110 lets us ignore "more than two").
  RangeRequest two = parse_range("bytes=0-9,5-14", 100);
  EXPECT_EQ(two.outcome, RangeOutcome::satisfiable);
  EXPECT_EQ(two.ranges, (R{{0, 10}, {5, 10}}));
  EXPECT_EQ(parse_range("bytes=0-9,5-14,12-20", 100).outcome, RangeOutcome::ignored);
  // Three or more ranges out of ascending order are ignored; ascending ones are fine.
  EXPECT_EQ(parse_range("bytes=0-1,10-11,20-21", 100).outcome, RangeOutcome::satisfiable);
  EXPECT_EQ(parse_range("bytes=20-21,10-11,0-1", 100).outcome, RangeOutcome::ignored);
  EXPECT_EQ(parse_range("bytes=0-1,20-21,10-11", 100).outcome, RangeOutcome::ignored);
}

TEST(RangeFormat, ContentRange) {
  EXPECT_EQ(content_range({0, 1}, 1), "bytes 0-0/1");
  EXPECT_EQ(content_range({10, 10}, 100), "bytes 10-19/100");
  EXPECT_EQ(content_range({0, 8388608}, 8388608), "bytes 0-8388607/8388608");
}

}  // namespace
}  // namespace nethttp::detail
