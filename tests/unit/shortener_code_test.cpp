// The shortener example's code generator (examples/shortener/short_code.hpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <unordered_set>

#include "../../examples/shortener/short_code.hpp"

namespace shortener {
namespace {

TEST(ShortenerCode, CodesAreSevenBase62Characters) {
  for (std::uint64_t n : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{61}, std::uint64_t{62},
                          std::uint64_t{123456789}, kCodeSpace - 1}) {
    std::string code = short_code(n);
    SCOPED_TRACE(code);
    EXPECT_EQ(code.size(), kCodeLength);
    EXPECT_TRUE(is_code(code));
  }
}

TEST(ShortenerCode, DistinctNumbersGiveDistinctCodes) {
  // The first codes a store hands out, plus a window at the top of the code space.
  std::unordered_set<std::string> seen;
  for (std::uint64_t n = 0; n < 100'000; ++n) EXPECT_TRUE(seen.insert(short_code(n)).second) << n;
  for (std::uint64_t n = kCodeSpace - 10'000; n < kCodeSpace; ++n) {
    EXPECT_TRUE(seen.insert(short_code(n)).second) << n;
  }
}

TEST(ShortenerCode, ConsecutiveNumbersDoNotGiveNeighbouringCodes) {
  // The scramble's purpose: code n+1 is not code n with the last character bumped.
  int shared_prefixes = 0;
  for (std::uint64_t n = 0; n < 1000; ++n) {
    if (short_code(n).substr(0, 5) == short_code(n + 1).substr(0, 5)) ++shared_prefixes;
  }
  EXPECT_LT(shared_prefixes, 10);
}

TEST(ShortenerCode, IsCodeRejectsOtherShapes) {
  EXPECT_FALSE(is_code(""));
  EXPECT_FALSE(is_code("abc"));
  EXPECT_FALSE(is_code("abcdefgh"));
  EXPECT_FALSE(is_code("abc-efg"));
  EXPECT_FALSE(is_code("abc/efg"));
  EXPECT_FALSE(is_code("api\0efg"));
  EXPECT_TRUE(is_code("aZ09bY8"));
}

}  // namespace
}  // namespace shortener
