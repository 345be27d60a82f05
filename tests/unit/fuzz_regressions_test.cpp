// Regression tests for defects the libFuzzer targets (tests/fuzz/) found: each is the
// minimized input, replayed through the public API where one reaches the code.

#include <gtest/gtest.h>

#include <string>

#include "nethttp/request.hpp"
#include "nethttp/serve_mux.hpp"

namespace nethttp {
namespace {

Handler nop() {
  return [](ResponseWriter&, Request&) {};
}

// fuzz_pattern: with a host pattern whose bytes are not ASCII registered beside "h.com/a/b",
// a request for h.com fell through to "/". The host lookup compared bytes as signed chars
// while the hosts were sorted as std::string sorts them (unsigned), so the binary search
// went the wrong way.
TEST(FuzzRegressions, NonAsciiHostPatternKeepsOtherHostsReachable) {
  ServeMux mux;
  mux.handle("/", nop());
  mux.handle("\xd1\x9e\xf5\xd0\x84\xff\xfd\xee/a/", nop());
  mux.handle("h.com/a/b", nop());
  Request r("POST", "/a/b");
  r.set_host("h.com");
  EXPECT_EQ(mux.handler(r).pattern, "h.com/a/b");
  r.set_host("H.com:8080");
  EXPECT_EQ(mux.handler(r).pattern, "h.com/a/b");
  Request other("GET", "/a/x");
  other.set_host("\xd1\x9e\xf5\xd0\x84\xff\xfd\xee");
  EXPECT_EQ(mux.handler(other).pattern, "\xd1\x9e\xf5\xd0\x84\xff\xfd\xee/a/");
}

}  // namespace
}  // namespace nethttp
