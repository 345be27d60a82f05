// HTTP-date handling. Parsing is strict about layout (fixed positions, "GMT") because the
// result decides 304s and 412s: a date we half-understood must be ignored, not guessed, as
// RFC 9110 section 13.1.3 says for If-Modified-Since.

#include "fs/http_date.hpp"

#include <array>
#include <cstdint>

namespace nethttp::detail {

namespace {

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// digits parses exactly n ASCII digits (a leading space is allowed when space_ok, for
// asctime's day of month).
bool digits(std::string_view s, std::size_t n, int& out, bool space_ok = false) noexcept {
  if (s.size() < n) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[i];
    if (c == ' ' && space_ok && i == 0) continue;
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// month parses a three-letter month name into its index (0 for "Jan"), as digits() does.
bool month(std::string_view s, int& out) noexcept {
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (s == kMonths[i]) {
      out = static_cast<int>(i);
      return true;
    }
  }
  return false;
}

template <std::size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& names) noexcept {
  for (std::string_view n : names) {
    if (s == n) return true;
  }
  return false;
}

// time_of_day parses "HH:MM:SS".
bool time_of_day(std::string_view s, std::tm& tm) noexcept {
  return s.size() == 8 && digits(s, 2, tm.tm_hour) && s[2] == ':' && digits(s.substr(3), 2, tm.tm_min) && s[5] == ':' &&
         digits(s.substr(6), 2, tm.tm_sec);
}

std::optional<std::time_t> to_time(std::tm& tm) noexcept {
  static constexpr std::array<int, 12> kDaysIn = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > kDaysIn[static_cast<std::size_t>(tm.tm_mon)] || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  if (tm.tm_sec == 60) tm.tm_sec = 59;  // a leap second names the last second of its minute
  std::time_t t = ::timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return t;
}

}  // namespace

std::string format_http_date(std::time_t t) {
  // Civil date from days since the epoch (Howard Hinnant's days_from_civil inverse), so the
  // hot path needs neither gmtime_r (which takes glibc's timezone lock) nor snprintf.
  std::int64_t secs = t;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  std::int64_t rem = secs - days * 86400;
  int weekday = static_cast<int>((days % 7 + 11) % 7);  // 1970-01-01 was a Thursday (4)
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<std::uint64_t>(z - era * 146097);
  std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400;
  std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::uint64_t mp = (5 * doy + 2) / 153;
  auto day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  auto month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  if (month <= 2) ++year;

  std::string out = "Sun, 00 Jan 0000 00:00:00 GMT";
  auto put2 = [&](std::size_t at, int v) {
    out[at] = static_cast<char>('0' + v / 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  out.replace(0, 3, kDays[static_cast<std::size_t>(weekday)]);
  put2(5, day);
  out.replace(8, 3, kMonths[static_cast<std::size_t>(month - 1)]);
  auto y = static_cast<int>(year < 0 ? 0 : year > 9999 ? 9999 : year);
  put2(12, y / 100);
  put2(14, y % 100);
  put2(17, static_cast<int>(rem / 3600));
  put2(20, static_cast<int>(rem / 60 % 60));
  put2(23, static_cast<int>(rem % 60));
  return out;
}

std::optional<std::time_t> parse_http_date(std::string_view s) noexcept {
  std::tm tm{};
  int year = 0;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters).
  if (s.size() == 29 && s[3] == ',') {
    if (!one_of(s.substr(0, 3), kDays) || s[4] != ' ' || !digits(s.substr(5), 2, tm.tm_mday) || s[7] != ' ' ||
        !month(s.substr(8, 3), tm.tm_mon) || s[11] != ' ' || !digits(s.substr(12), 4, year) || s[16] != ' ' ||
        !time_of_day(s.substr(17, 8), tm) || s.substr(25) != " GMT") {
      return std::nullopt;
    }
    tm.tm_year = year - 1900;
    return to_time(tm);
  }
  // asctime: "Sun Nov  6 08:49:37 1994" (24 characters).
  if (s.size() == 24 && s[3] == ' ') {
    if (!one_of(s.substr(0, 3), kDays) || !month(s.substr(4, 3), tm.tm_mon) || s[7] != ' ' ||
        !digits(s.substr(8), 2, tm.tm_mday, true) || s[10] != ' ' || !time_of_day(s.substr(11, 8), tm) ||
        s[19] != ' ' || !digits(s.substr(20), 4, year)) {
      return std::nullopt;
    }
    tm.tm_year = year - 1900;
    return to_time(tm);
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT". A two-digit year that looks more than 50
  // years in the future is in the past century (RFC 9110 section 5.6.7).
  std::size_t comma = s.find(',');
  if (comma == std::string_view::npos || !one_of(s.substr(0, comma), kLongDays)) return std::nullopt;
  std::string_view rest = s.substr(comma + 1);
  if (rest.size() != 23 || rest[0] != ' ' || !digits(rest.substr(1), 2, tm.tm_mday) || rest[3] != '-' ||
      !month(rest.substr(4, 3), tm.tm_mon) || rest[7] != '-' || !digits(rest.substr(8), 2, year) || rest[10] != ' ' ||
      !time_of_day(rest.substr(11, 8), tm) || rest.substr(19) != " GMT") {
    return std::nullopt;
  }
  std::time_t now = std::time(nullptr);
  std::tm now_tm{};
  ::gmtime_r(&now, &now_tm);
  int century = (now_tm.tm_year + 1900) / 100 * 100;
  int full = century + year;
  if (full > now_tm.tm_year + 1900 + 50) full -= 100;
  tm.tm_year = full - 1900;
  return to_time(tm);
}

}  // namespace nethttp::detail
