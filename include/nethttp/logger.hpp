#pragma once
/// \file logger.hpp
/// Logger: the small sink nethttp logs through, with an spdlog-backed default.
///
/// Public headers expose no spdlog or fmt types, so applications may use their own versions.

#include <memory>
#include <string_view>

namespace nethttp {

/// LogLevel orders log messages by severity.
enum class LogLevel { Debug, Info, Warn, Error };

/// Logger receives the server's log lines. Implementations must be thread-safe: every loop
/// thread logs through the same Logger.
class Logger {
 public:
  virtual ~Logger() = default;
  /// log writes one message (no trailing newline) at level.
  virtual void log(LogLevel level, std::string_view message) = 0;
  /// enabled lets callers skip formatting messages that would be dropped.
  [[nodiscard]] virtual bool enabled(LogLevel level) const noexcept {
    (void)level;
    return true;
  }
};

/// default_logger logs info and above to stderr through spdlog. Shared by every Server that
/// is given no logger.
std::shared_ptr<Logger> default_logger();

/// make_spdlog_logger returns a Logger writing to stderr (path empty) or appending to the
/// file at path, dropping messages below min_level. Throws std::runtime_error if the file
/// cannot be opened.
std::shared_ptr<Logger> make_spdlog_logger(std::string_view path, LogLevel min_level = LogLevel::Info);

/// null_logger drops everything (tests, benchmarks).
std::shared_ptr<Logger> null_logger();

}  // namespace nethttp
