#include "http/date_cache.hpp"

#include <cstdio>

namespace nethttp::detail {

void format_http_date(std::time_t t, char* out) noexcept {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char tmp[64];
  std::snprintf(tmp, sizeof tmp, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  for (int i = 0; i < 29; ++i) out[i] = tmp[i];
}

void DateCache::format(std::time_t now) noexcept {
  format_http_date(now, buf_);
  second_ = now;
}

}  // namespace nethttp::detail
