// Cookies (RFC 6265): building Set-Cookie values that browsers will accept, and reading the
// Cookie request header leniently, as Go's readCookies does (a bad pair is skipped, never
// fatal).

#include "nethttp/cookie.hpp"

#include <ctime>

#include "core/header_list.hpp"
#include "fs/http_date.hpp"
#include "nethttp/request.hpp"
#include "nethttp/response_writer.hpp"

namespace nethttp {

namespace {

// RFC 6265 4.1.1: cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E.
constexpr bool is_cookie_octet(unsigned char c) noexcept {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
         (c >= 0x5D && c <= 0x7E);
}

bool valid_cookie_value(std::string_view v) noexcept {
  for (char c : v) {
    if (!is_cookie_octet(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// RFC 6265 4.1.1: path-value = <any CHAR except CTLs or ";">.
bool valid_path(std::string_view p) noexcept {
  for (char ch : p) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F || c == ';') return false;
  }
  return true;
}

// valid_domain accepts an RFC 1034 host name (RFC 6265 4.1.2.3; Go's isCookieDomainName):
// labels of letters, digits and '-', not starting or ending with '-', 1 to 63 bytes each,
// at most 255 in all. A dotted IPv4 address passes as such a name.
bool valid_domain(std::string_view d) noexcept {
  if (!d.empty() && d.front() == '.') d.remove_prefix(1);
  if (d.empty() || d.size() > 255) return false;
  std::size_t label = 0;
  char last = '.';
  for (char c : d) {
    if (c == '.') {
      if (last == '.' || last == '-') return false;
      label = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      if (++label > 63) return false;
    } else if (c == '-') {
      if (last == '.' || ++label > 63) return false;
    } else {
      return false;
    }
    last = c;
  }
  return last != '-' && last != '.';
}

std::string quoted_for_message(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(ch);
    }
  }
  return out + "\"";
}

}  // namespace

std::string cookie_problem(const Cookie& c) {
  if (!detail::is_token(c.name)) return "invalid cookie name " + quoted_for_message(c.name);
  if (!valid_cookie_value(c.value)) {
    return "invalid value for cookie " + c.name + ": " + quoted_for_message(c.value) +
           " (only visible ASCII except '\"', ',', ';' and '\\')";
  }
  if (!valid_path(c.path)) return "invalid Path for cookie " + c.name + ": " + quoted_for_message(c.path);
  if (!c.domain.empty() && !valid_domain(c.domain)) {
    return "invalid Domain for cookie " + c.name + ": " + quoted_for_message(c.domain);
  }
  if (c.expires) {
    // Go's validCookieExpires: RFC 6265 5.1.1 ignores dates before 1601. (libstdc++'s
    // nanosecond system_clock spans 1677 to 2262, so this guards other clocks' ranges.)
    std::time_t t = std::chrono::system_clock::to_time_t(*c.expires);
    std::tm tm{};
    if (gmtime_r(&t, &tm) == nullptr || tm.tm_year + 1900 < 1601 || tm.tm_year + 1900 > 9999) {
      return "invalid Expires for cookie " + c.name + ": outside the years 1601 to 9999";
    }
  }
  if (c.same_site == SameSite::None && !c.secure) return "cookie " + c.name + ": SameSite=None requires Secure";
  if (c.partitioned && !c.secure) return "cookie " + c.name + ": Partitioned requires Secure";
  // RFC 6265bis 4.1.3: cookie name prefixes.
  if (c.name.starts_with("__Secure-") && !c.secure) return "cookie " + c.name + ": a __Secure- name requires Secure";
  if (c.name.starts_with("__Host-") && (!c.secure || c.path != "/" || !c.domain.empty())) {
    return "cookie " + c.name + ": a __Host- name requires Secure, Path=/ and no Domain";
  }
  return {};
}

std::string format_set_cookie(const Cookie& c) {
  if (!cookie_problem(c).empty()) return {};
  std::string out = c.name;
  out.push_back('=');
  if (c.quoted) out.push_back('"');
  out += c.value;
  if (c.quoted) out.push_back('"');
  if (!c.path.empty()) out += "; Path=" + c.path;
  if (!c.domain.empty()) {
    std::string_view d = c.domain;
    if (d.front() == '.') d.remove_prefix(1);
    out += "; Domain=";
    out += d;
  }
  if (c.expires) out += "; Expires=" + detail::format_http_date(std::chrono::system_clock::to_time_t(*c.expires));
  if (c.max_age) out += "; Max-Age=" + std::to_string(c.max_age->count() > 0 ? c.max_age->count() : 0);
  if (c.http_only) out += "; HttpOnly";
  if (c.secure) out += "; Secure";
  switch (c.same_site) {
    case SameSite::Unset: break;
    case SameSite::Lax: out += "; SameSite=Lax"; break;
    case SameSite::Strict: out += "; SameSite=Strict"; break;
    case SameSite::None: out += "; SameSite=None"; break;
  }
  if (c.partitioned) out += "; Partitioned";
  return out;
}

bool set_cookie(ResponseWriter& w, const Cookie& c) {
  std::string v = format_set_cookie(c);
  if (v.empty()) return false;
  w.headers().add("Set-Cookie", v);
  return true;
}

// ---- Request side ----------------------------------------------------------------------

namespace {

// for_each_cookie calls fn(name, value) for each well-formed pair of every Cookie field,
// stopping when fn returns false. RFC 6265 4.2.1: pairs are separated by "; " (Go also
// accepts a bare ';'); names are tokens; a value may be quoted, and its octets are checked
// like Go's parseCookieValue (lenient: space and comma are allowed inside).
template <class Fn>
void for_each_cookie(const Headers& headers, Fn fn) {
  for (HeaderField f : headers) {
    if (!iequals(f.name, "Cookie")) continue;
    std::string_view rest = f.value;
    while (!rest.empty()) {
      std::size_t semi = rest.find(';');
      std::string_view part = detail::trim_ows(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      std::size_t eq = part.find('=');
      if (part.empty() || eq == std::string_view::npos) continue;
      std::string_view name = detail::trim_ows(part.substr(0, eq));
      std::string_view value = detail::trim_ows(part.substr(eq + 1));
      if (!detail::is_token(name)) continue;
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      bool ok = true;
      for (char ch : value) {
        auto c = static_cast<unsigned char>(ch);
        if (!is_cookie_octet(c) && c != ' ' && c != ',') ok = false;
      }
      if (!ok) continue;
      if (!fn(name, value)) return;
    }
  }
}

}  // namespace

std::vector<CookiePair> Request::cookies() const {
  std::vector<CookiePair> out;
  for_each_cookie(headers_, [&](std::string_view n, std::string_view v) {
    out.push_back({n, v});
    return true;
  });
  return out;
}

std::optional<std::string_view> Request::cookie(std::string_view name) const {
  std::optional<std::string_view> found;
  for_each_cookie(headers_, [&](std::string_view n, std::string_view v) {
    if (n != name) return true;
    found = v;
    return false;
  });
  return found;
}

}  // namespace nethttp
