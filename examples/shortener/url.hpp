#pragma once
// validate_url: which URLs the shortener accepts as targets.
//
// Only absolute http and https URLs with a host, in printable ASCII (RFC 3986 characters;
// anything else must be percent-encoded), without credentials ("http://bank@evil.example"
// is a phishing classic), and at most kMaxUrlBytes long.

#include <cstddef>
#include <string_view>

#include "nethttp/headers.hpp"

namespace shortener {

/// kMaxUrlBytes bounds a target URL, the length browsers and proxies reliably handle.
inline constexpr std::size_t kMaxUrlBytes = 2048;

namespace detail {

inline bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

inline bool is_ipv6_literal_char(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' || c == '.';
}

// check_port accepts "" (no port) or a decimal 1..65535.
inline bool check_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return port.empty();
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

// check_host accepts a DNS name or IPv4 address: letters, digits, '-' and '.', no empty
// label, at most 253 bytes.
inline bool check_host(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : host) {
    if (!is_host_char(c)) return false;
  }
  return true;
}

}  // namespace detail

/// validate_url returns "" when url is acceptable as a shortener target, else the reason it
/// is not, worded for the client.
inline std::string_view validate_url(std::string_view url) {
  if (url.empty()) return "url is required";
  if (url.size() > kMaxUrlBytes) return "url is longer than 2048 bytes";
  for (char c : url) {
    if (c <= ' ' || c >= 0x7f) return "url contains spaces, control or non-ASCII characters";
  }
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "url must start with http:// or https://";
  std::string_view scheme = url.substr(0, scheme_end);
  if (!nethttp::iequals(scheme, "http") && !nethttp::iequals(scheme, "https")) {
    return "url must start with http:// or https://";
  }
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return "url must not contain credentials";

  std::string_view host;
  std::string_view port;
  if (authority.starts_with('[')) {  // IPv6 literal, RFC 3986 section 3.2.2
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return "url has a malformed IPv6 host";
    host = authority.substr(1, close - 1);
    for (char c : host) {
      if (!detail::is_ipv6_literal_char(c)) return "url has a malformed IPv6 host";
    }
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "url has a malformed IPv6 host";
      port = after.substr(1);
      if (port.empty()) return "url has an invalid port";
    }
  } else {
    std::size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return "url has an invalid port";
    }
    if (host.empty()) return "url has no host";
    if (!detail::check_host(host)) return "url has an invalid host";
  }
  if (!detail::check_port(port)) return "url has an invalid port";
  return {};
}

}  // namespace shortener
