#pragma once
// CapturingLogger: a Logger that keeps every line, for tests that assert on what was logged.

#include <algorithm>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/logger.hpp"

namespace nethttp::test {

/// CapturingLogger keeps every line logged through it. Thread-safe.
class CapturingLogger final : public Logger {
 public:
  void log(LogLevel level, std::string_view message) override {
    std::lock_guard lock(mu_);
    levels_.push_back(level);
    lines_.emplace_back(message);
  }
  /// lines is a copy of everything logged so far.
  [[nodiscard]] std::vector<std::string> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }
  /// levels is the level of each line in lines(), in the same order.
  [[nodiscard]] std::vector<LogLevel> levels() const {
    std::lock_guard lock(mu_);
    return levels_;
  }
  /// saw reports whether a line containing needle was logged.
  [[nodiscard]] bool saw(std::string_view needle) const {
    std::lock_guard lock(mu_);
    return std::any_of(lines_.begin(), lines_.end(),
                       [&](const std::string& l) { return l.find(needle) != std::string::npos; });
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
  std::vector<LogLevel> levels_;
};

}  // namespace nethttp::test
