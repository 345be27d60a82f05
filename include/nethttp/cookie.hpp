#pragma once
/// \file cookie.hpp
/// Cookie and set_cookie(): building Set-Cookie headers checked against RFC 6265 (Go:
/// http.Cookie, http.SetCookie). Reading the Cookie header is Request::cookie() and
/// Request::cookies() (request.hpp).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace nethttp {

class ResponseWriter;

/// SameSite is a cookie's SameSite attribute (RFC 6265bis section 4.1.2.7).
enum class SameSite {
  Unset,   ///< no attribute: the browser's default (Lax in current browsers)
  Lax,     ///< SameSite=Lax
  Strict,  ///< SameSite=Strict
  None,    ///< SameSite=None (browsers require Secure with it)
};

/// Cookie is one cookie to send with set_cookie() (Go: http.Cookie).
struct Cookie {
  /// name must be a token (RFC 9110 5.6.2: letters, digits and !#$%&'*+-.^_`|~).
  std::string name;
  /// value is cookie-octets only (RFC 6265 4.1.1: visible ASCII except '"', ',', ';' and
  /// '\\'; no spaces), possibly empty.
  std::string value;
  /// quoted sends the value in double quotes (`name="value"`), which RFC 6265 allows.
  bool quoted = false;
  /// path, if not empty, becomes `Path=`; any visible ASCII or space except ';'.
  std::string path;
  /// domain, if not empty, becomes `Domain=`: a host name (letters, digits, '-' and '.'
  /// labels) or an IPv4 address; one leading '.' is dropped, as browsers ignore it.
  std::string domain;
  /// expires, if set, becomes `Expires=` as an IMF-fixdate (year 1601 or later).
  std::optional<std::chrono::system_clock::time_point> expires;
  /// max_age, if set, becomes `Max-Age=`; zero or negative sends `Max-Age=0`, which deletes
  /// the cookie at once (Go uses MaxAge < 0 for that).
  std::optional<std::chrono::seconds> max_age;
  bool secure = false;                   ///< `Secure`
  bool http_only = false;                ///< `HttpOnly`
  SameSite same_site = SameSite::Unset;  ///< `SameSite=`
  /// partitioned sends `Partitioned` (CHIPS); it requires secure.
  bool partitioned = false;
};

/// cookie_problem returns "" when c may be sent, else why not (`invalid cookie name "a b"`).
/// Beyond each field's syntax it enforces what browsers would otherwise silently drop:
/// SameSite=None and Partitioned need Secure; a `__Secure-` name needs Secure; a `__Host-`
/// name needs Secure, Path=/ and no Domain.
[[nodiscard]] std::string cookie_problem(const Cookie& c);

/// format_set_cookie returns the Set-Cookie field value for c ("id=abc; Path=/; HttpOnly"),
/// or "" when cookie_problem(c) reports a problem: an invalid cookie is never serialised.
[[nodiscard]] std::string format_set_cookie(const Cookie& c);

/// set_cookie adds a Set-Cookie header for c to w (Go: http.SetCookie). Returns false and
/// adds nothing when c is invalid (see cookie_problem()); Go drops such cookies silently,
/// here the caller can see it. Call it before the status is written.
bool set_cookie(ResponseWriter& w, const Cookie& c);

/// CookiePair is one name=value pair of a Cookie request header. Both views point into the
/// request's header storage (value without its surrounding quotes, if it had any) and are
/// valid while the Request is unchanged.
struct CookiePair {
  std::string_view name;   ///< the cookie name, a token
  std::string_view value;  ///< the value as sent, unquoted
};

}  // namespace nethttp
