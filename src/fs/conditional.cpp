// Precondition evaluation. Dates compare at one-second resolution because that is all an
// HTTP-date carries: Last-Modified is sent truncated, so a client echoing it back must
// compare equal to the file's mtime truncated the same way.

#include "fs/conditional.hpp"

#include <string>

#include "fs/http_date.hpp"

namespace nethttp::detail {

namespace {

std::string_view skip_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// ParsedTag is one entity-tag: its opaque part (quotes included) and whether it is weak.
struct ParsedTag {
  std::string_view opaque;
  bool weak = false;
};

// scan_etag reads one entity-tag from the front of s; rest is what follows it.
bool scan_etag(std::string_view s, ParsedTag& tag, std::string_view& rest) noexcept {
  tag.weak = false;
  if (s.size() >= 2 && s[0] == 'W' && s[1] == '/') {
    tag.weak = true;
    s.remove_prefix(2);
  }
  if (s.size() < 2 || s[0] != '"') return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') {
      tag.opaque = s.substr(0, i + 1);
      rest = s.substr(i + 1);
      return true;
    }
    // etagc = %x21 / %x23-7E / obs-text
    if (c < 0x21 || c == 0x7F) return false;
  }
  return false;
}

bool tags_match(const ParsedTag& a, const ParsedTag& b, bool strong) noexcept {
  if (strong && (a.weak || b.weak)) return false;
  return a.opaque == b.opaque;
}

// combined joins every line of a list-valued header with commas (RFC 9110 section 5.3).
std::string combined(const Request& r, std::string_view name) {
  std::string out;
  for (std::string_view v : r.headers().values(name)) {
    if (!out.empty()) out += ',';
    out += v;
  }
  return out;
}

// single_date returns the header's date if it occurs exactly once and parses.
std::optional<std::time_t> single_date(const Request& r, std::string_view name) {
  auto values = r.headers().values(name);
  if (values.size() != 1) return std::nullopt;
  std::string_view v = values[0];
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return parse_http_date(v);
}

bool is_get_or_head(const Request& r) noexcept { return r.method() == "GET" || r.method() == "HEAD"; }

}  // namespace

bool etag_matches_list(std::string_view list, std::string_view etag, bool strong) noexcept {
  // Without a valid current tag nothing but "*" can match: the representation exists
  // (we are serving it) but has no entity-tag to compare.
  ParsedTag current;
  std::string_view ignored;
  bool have_tag = scan_etag(etag, current, ignored);
  std::string_view s = list;
  for (;;) {
    s = skip_ows(s);
    if (s.empty()) return false;
    if (s.front() == ',') {
      s.remove_prefix(1);
      continue;
    }
    if (s.front() == '*') return true;
    ParsedTag tag;
    if (!scan_etag(s, tag, s)) return false;
    if (have_tag && tags_match(tag, current, strong)) return true;
  }
}

Precondition evaluate_preconditions(const Request& r, const Validators& v) {
  // Step 1: If-Match, strong comparison. Step 2: otherwise If-Unmodified-Since.
  if (r.headers().has("If-Match")) {
    if (!etag_matches_list(combined(r, "If-Match"), v.etag, true)) return Precondition::failed;
  } else if (v.last_modified) {
    if (auto since = single_date(r, "If-Unmodified-Since"); since && *v.last_modified > *since) {
      return Precondition::failed;
    }
  }
  // Step 3: If-None-Match, weak comparison. Step 4: otherwise If-Modified-Since.
  if (r.headers().has("If-None-Match")) {
    if (etag_matches_list(combined(r, "If-None-Match"), v.etag, false)) {
      return is_get_or_head(r) ? Precondition::not_modified : Precondition::failed;
    }
  } else if (v.last_modified && is_get_or_head(r)) {
    if (auto since = single_date(r, "If-Modified-Since"); since && *v.last_modified <= *since) {
      return Precondition::not_modified;
    }
  }
  return Precondition::proceed;
}

bool if_range_allows(const Request& r, const Validators& v) {
  auto values = r.headers().values("If-Range");
  if (values.empty()) return true;
  if (values.size() != 1) return false;
  std::string_view value = skip_ows(values[0]);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.starts_with('"') || value.starts_with("W/")) {
    ParsedTag want, have;
    std::string_view rest;
    if (!scan_etag(value, want, rest) || !skip_ows(rest).empty()) return false;
    if (!scan_etag(v.etag, have, rest)) return false;
    return tags_match(want, have, true);
  }
  auto date = parse_http_date(value);
  return date && v.last_modified && *date == *v.last_modified;
}

}  // namespace nethttp::detail
