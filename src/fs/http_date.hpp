#pragma once
// HTTP-date (RFC 9110 section 5.6.7): formatting IMF-fixdate and parsing all three forms.

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace nethttp::detail {

/// format_http_date returns t as an IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::time_t t);

/// parse_http_date accepts the three forms recipients must accept: IMF-fixdate, the
/// obsolete RFC 850 form ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime()'s
/// ("Sun Nov  6 08:49:37 1994"). Returns nullopt for anything else, including
/// out-of-range fields; the weekday name is checked for shape, not for consistency.
std::optional<std::time_t> parse_http_date(std::string_view s) noexcept;

}  // namespace nethttp::detail
