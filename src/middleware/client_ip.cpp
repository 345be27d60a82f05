#include "nethttp/middleware.hpp"

namespace nethttp {

std::string_view client_ip(std::string_view remote_addr) noexcept {
  if (remote_addr.starts_with('[')) {  // "[v6]:port"
    std::size_t close = remote_addr.find(']');
    if (close != std::string_view::npos) return remote_addr.substr(1, close - 1);
    return remote_addr;
  }
  std::size_t colon = remote_addr.rfind(':');
  // A bare IPv6 address has several colons and no port.
  if (colon == std::string_view::npos || remote_addr.find(':') != colon) return remote_addr;
  return remote_addr.substr(0, colon);
}

}  // namespace nethttp
