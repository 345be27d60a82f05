#include "fs/accept_encoding.hpp"

#include "nethttp/headers.hpp"

namespace nethttp::detail {

namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// qvalue parses RFC 9110's weight into thousandths: "0", "0.5", "1", "1.000". -1 if malformed.
int qvalue(std::string_view s) noexcept {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return -1;
  int whole = s[0] - '0';
  if (s.size() == 1) return whole * 1000;
  if (s[1] != '.' || s.size() > 5) return -1;
  int frac = 0;
  int scale = 100;
  for (std::size_t i = 2; i < s.size(); ++i, scale /= 10) {
    if (s[i] < '0' || s[i] > '9') return -1;
    frac += (s[i] - '0') * scale;
  }
  if (whole == 1 && frac != 0) return -1;
  return whole * 1000 + frac;
}

}  // namespace

CodingPreference accepted_codings(std::string_view header) noexcept {
  int br = -1, gzip = -1, star = -1;  // -1: not mentioned
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view member = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::size_t semi = member.find(';');
    std::string_view coding = trim(member.substr(0, semi));
    if (coding.empty()) continue;
    int q = 1000;
    std::string_view params = semi == std::string_view::npos ? std::string_view() : member.substr(semi + 1);
    while (!params.empty()) {
      std::size_t next = params.find(';');
      std::string_view p = trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
      if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') q = qvalue(trim(p.substr(2)));
    }
    if (q < 0) continue;
    if (iequals(coding, "br")) {
      br = q;
    } else if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip = q;
    } else if (coding == "*") {
      star = q;
    }
  }
  if (br < 0) br = star;
  if (gzip < 0) gzip = star;
  CodingPreference out;
  auto push = [&](const Precompressed& c) { out.order[out.count++] = c; };
  if (br > 0 && br >= gzip) {
    push(kBrotli);
    if (gzip > 0) push(kGzip);
  } else if (gzip > 0) {
    push(kGzip);
    if (br > 0) push(kBrotli);
  }
  return out;
}

}  // namespace nethttp::detail
