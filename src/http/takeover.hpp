#pragma once
// Takeover: what a handler leaves with its ResponseWriter when it switches protocols
// (accept_upgrade, hijack). Once the 101 is written, the connection gives up its socket and
// the bytes it read past the request (Connection::hand_over, the one seam a transport other
// than plain TCP would travel through) and runs it.

#include <memory>
#include <string>

#include "nethttp/unique_fd.hpp"

namespace nethttp::detail {

class LoopContext;
class TlsStream;

class Takeover {
 public:
  virtual ~Takeover() = default;
  /// run receives the connection's socket (still non-blocking, no longer watched by the
  /// loop) on its loop thread, with the bytes read past the request, and for a TLS
  /// connection its TlsStream (the session, and records OpenSSL read but did not decrypt
  /// yet: read it before the socket). Must not throw.
  virtual void run(LoopContext& ctx, UniqueFd fd, std::string leftover, std::string remote,
                   std::unique_ptr<TlsStream> tls) noexcept = 0;
};

}  // namespace nethttp::detail
