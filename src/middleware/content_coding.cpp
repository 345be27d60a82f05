#include "middleware/content_coding.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "nethttp/headers.hpp"

namespace nethttp::detail {

namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// qvalue parses the weight of one Accept-Encoding element ("gzip;q=0.5"); 1 when absent,
// 0 when malformed (a client that sends garbage gets identity).
double qvalue(std::string_view params) noexcept {
  while (!params.empty()) {
    std::size_t semi = params.find(';');
    std::string_view p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      std::string_view v = trim(p.substr(2));
      double q = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), q);
      if (ec != std::errc() || end != v.data() + v.size() || q < 0 || q > 1) return 0;
      return q;
    }
  }
  return 1;
}

}  // namespace

bool accepts_gzip(std::string_view header) noexcept {
  double gzip_q = -1, star_q = -1;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view element = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::size_t semi = element.find(';');
    std::string_view coding = trim(element.substr(0, semi));
    double q = semi == std::string_view::npos ? 1 : qvalue(element.substr(semi + 1));
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip_q = std::max(gzip_q, q);
    } else if (coding == "*") {
      star_q = std::max(star_q, q);
    }
  }
  if (gzip_q >= 0) return gzip_q > 0;
  return star_q > 0;
}

bool compressible(std::string_view content_type) noexcept {
  std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (type.empty()) return false;
  if (istarts_with(type, "text/")) return true;
  if (iends_with(type, "+json") || iends_with(type, "+xml")) return true;
  static constexpr std::array<std::string_view, 13> kTypes = {
      "application/json",       "application/javascript", "application/x-javascript",
      "application/ecmascript", "application/xml",        "application/x-ndjson",
      "application/yaml",       "application/x-yaml",     "application/wasm",
      "application/vnd.ms-fontobject", "font/ttf",        "font/otf",
      "image/x-icon",
  };
  for (std::string_view t : kTypes) {
    if (iequals(type, t)) return true;
  }
  return false;
}

}  // namespace nethttp::detail
