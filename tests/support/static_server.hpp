#pragma once
// The nethttp-static program, for the integration tests that run it as a child process.

#include <string>

namespace nethttp::test {

/// static_server_binary is the path of the nethttp-static built with the tests, or "" when
/// the examples are not built (such a test skips, with kStaticServerMissing as the reason).
/// examples/static_server/CMakeLists.txt defines NETHTTP_STATIC_BIN for every source of
/// nethttp_integration_tests, which is why this is defined in the header.
inline std::string static_server_binary() {
#ifdef NETHTTP_STATIC_BIN
  return NETHTTP_STATIC_BIN;
#else
  return {};
#endif
}

inline constexpr const char* kStaticServerMissing = "nethttp-static is not built (NETHTTP_BUILD_EXAMPLES=OFF)";

}  // namespace nethttp::test
