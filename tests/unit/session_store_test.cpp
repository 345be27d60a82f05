// SessionStore: the session-id store a Server's loops share for TLS resumption.
#include "tls/session_store.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace nethttp::detail {
namespace {

std::array<unsigned char, 4> id(unsigned char n) { return {n, 1, 2, 3}; }

TEST(SessionStore, ReturnsWhatWasPutUnderItsId) {
  SessionStore store(8);
  store.put(id(1), "one");
  store.put(id(2), "two");
  EXPECT_EQ(store.get(id(1)), "one");
  EXPECT_EQ(store.get(id(2)), "two");
  EXPECT_FALSE(store.get(id(3)));
}

TEST(SessionStore, ReplacingKeepsOneEntry) {
  SessionStore store(8);
  store.put(id(1), "old");
  store.put(id(1), "new");
  EXPECT_EQ(store.get(id(1)), "new");
  EXPECT_EQ(store.size(), 1u);
}

TEST(SessionStore, DropsTheOldestBeyondCapacity) {
  SessionStore store(2);
  store.put(id(1), "one");
  store.put(id(2), "two");
  store.put(id(3), "three");
  EXPECT_FALSE(store.get(id(1)));
  EXPECT_EQ(store.get(id(2)), "two");
  EXPECT_EQ(store.get(id(3)), "three");
  EXPECT_EQ(store.size(), 2u);
}

TEST(SessionStore, ZeroCapacityKeepsNothing) {
  SessionStore store(0);
  store.put(id(1), "one");
  EXPECT_FALSE(store.get(id(1)));
}

}  // namespace
}  // namespace nethttp::detail
