#pragma once
// Process memory as the kernel reports it, for tests that bound what the server holds.

#include <cstddef>
#include <fstream>
#include <string>

namespace nethttp::test {

/// rss_bytes is this process's resident set (VmRSS in /proc/self/status), or 0 if unknown.
inline std::size_t rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "VmRSS:  1234 kB"
  }
  return 0;
}

/// kSanitized is true under ASan or TSan, where big transfers are scaled down.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace nethttp::test
