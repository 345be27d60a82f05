#include "core/header_list.hpp"

#include <algorithm>

#include "nethttp/headers.hpp"

namespace nethttp::detail {

namespace {

// member_weight returns the q of one list member's parameters (what follows the coding's
// ';'): 1000 without a q parameter, 0 (a refusal) when its q is malformed. The first q counts.
int member_weight(std::string_view params) noexcept {
  while (!params.empty()) {
    std::size_t semi = params.find(';');
    std::string_view p = trim_ows(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      return std::max(parse_qvalue(trim_ows(p.substr(2))), 0);
    }
  }
  return 1000;
}

}  // namespace

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int parse_qvalue(std::string_view s) noexcept {
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

int coding_weight(std::string_view header, std::initializer_list<std::string_view> names) noexcept {
  int named = -1, star = -1;  // -1: not listed
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view member = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::size_t semi = member.find(';');
    std::string_view coding = trim_ows(member.substr(0, semi));
    if (coding.empty()) continue;
    bool is_named = std::any_of(names.begin(), names.end(), [&](std::string_view n) { return iequals(coding, n); });
    if (!is_named && coding != "*") continue;
    int q = semi == std::string_view::npos ? 1000 : member_weight(member.substr(semi + 1));
    int& slot = is_named ? named : star;
    slot = slot < 0 ? q : std::min(slot, q);
  }
  return named >= 0 ? named : star;
}

}  // namespace nethttp::detail
