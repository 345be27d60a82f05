#pragma once
// DateCache: the IMF-fixdate for the Date header, formatted once per second per loop.

#include <ctime>
#include <string_view>

namespace nethttp::detail {

class DateCache {
 public:
  /// get returns "Sun, 06 Nov 1994 08:49:37 GMT" for the current second.
  std::string_view get() noexcept {
    std::time_t now = std::time(nullptr);
    if (now != second_) format(now);
    return {buf_, 29};
  }

 private:
  void format(std::time_t now) noexcept;
  std::time_t second_ = -1;
  char buf_[32] = {};
};

/// format_http_date writes t as an IMF-fixdate (29 chars) into out[0..29).
void format_http_date(std::time_t t, char* out) noexcept;

}  // namespace nethttp::detail
