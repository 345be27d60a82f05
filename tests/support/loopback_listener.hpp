#pragma once
// loopback_listener: a TCP socket on 127.0.0.1 bound by the test itself, as another program
// would hold it.

#include <cstdint>

#include "nethttp/unique_fd.hpp"

namespace nethttp::test {

/// loopback_listener binds a TCP socket to 127.0.0.1 on a port the kernel picks, without
/// SO_REUSEPORT (so no other socket can bind that port), and listens on it unless
/// listening is false. It sets port and returns the socket, or sets port to 0 and returns
/// an empty UniqueFd if any step fails.
UniqueFd loopback_listener(std::uint16_t& port, bool listening = true);

}  // namespace nethttp::test
