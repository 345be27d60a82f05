// https_redirect: the handler a cleartext listener runs to send every client to HTTPS.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nethttp/helpers.hpp"

namespace nethttp {

namespace {

bool name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool digits(std::string_view s) noexcept {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// host_without_port returns the host part of a Host value ("example.com" of
// "example.com:8080", "[::1]" of "[::1]:8080"), or nullopt when the value is not one we
// will put in a Location: empty, a port that is not digits, or bytes outside a DNS name
// (letters, digits, '-', '.', '_') or a bracketed IPv6 address (hex digits, ':', '.').
// The request parser already refuses worse; this is stricter because the value goes into
// an absolute URL the client follows.
std::optional<std::string_view> host_without_port(std::string_view h) noexcept {
  std::string_view host = h;
  std::string_view port;
  if (!h.empty() && h.front() == '[') {
    const std::size_t close = h.find(']');
    if (close == std::string_view::npos || close < 3) return std::nullopt;
    for (char c : h.substr(1, close - 1)) {
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') return std::nullopt;
    }
    host = h.substr(0, close + 1);
    std::string_view rest = h.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    if (const std::size_t colon = h.find(':'); colon != std::string_view::npos) {
      host = h.substr(0, colon);
      port = h.substr(colon + 1);
    }
    if (host.empty()) return std::nullopt;
    for (char c : host) {
      if (!name_char(c)) return std::nullopt;
    }
  }
  if (!digits(port)) return std::nullopt;
  return host;
}

}  // namespace

Handler https_redirect(std::uint16_t tls_port) {
  const std::string port_suffix = tls_port == 443 ? std::string() : ":" + std::to_string(tls_port);
  return [port_suffix](ResponseWriter& w, Request& r) {
    std::optional<std::string_view> host = host_without_port(r.host());
    if (!host) {
      w.headers().set("Content-Type", "text/plain; charset=utf-8");
      w.write_header(Status::BadRequest);
      w.write("400 Bad Request: missing or invalid Host\n");
      return;
    }
    std::string url = "https://";
    url.append(*host).append(port_suffix);
    // The raw (still escaped) path and query, as the client sent them; "*" (OPTIONS) and an
    // empty path become "/".
    std::string_view path = r.raw_path();
    url.append(path.empty() || path.front() != '/' ? std::string_view("/") : path);
    if (!r.raw_query().empty()) url.append("?").append(r.raw_query());
    const bool safe = r.method() == "GET" || r.method() == "HEAD";
    redirect(w, r, url, safe ? Status::MovedPermanently : Status::PermanentRedirect);
  };
}

}  // namespace nethttp
