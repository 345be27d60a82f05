#pragma once
// Settings nethttp-static can change without a restart: read from --config FILE at startup
// and again on SIGHUP.

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/logger.hpp"

namespace static_server {

/// Settings are the reloadable ones.
struct Settings {
  std::string cache_control;                              ///< Cache-Control for every file ("" none)
  nethttp::LogLevel log_level = nethttp::LogLevel::Info;  ///< server messages below it are dropped
};

/// read_settings reads FILE's "name = value" lines ('#' starts a comment) over settings:
/// `cache-control = public, max-age=60` and `log-level = debug|info|warn|error`. Returns ""
/// or what is wrong ("FILE:3: unknown setting \"x\""); on error settings is unchanged.
std::string read_settings(const std::string& path, Settings& settings);

/// LevelLogger passes messages at or above a level, changeable at any time, to another logger.
class LevelLogger final : public nethttp::Logger {
 public:
  LevelLogger(std::shared_ptr<nethttp::Logger> next, nethttp::LogLevel level) : next_(std::move(next)), level_(level) {}
  void log(nethttp::LogLevel level, std::string_view message) override {
    if (enabled(level)) next_->log(level, message);
  }
  [[nodiscard]] bool enabled(nethttp::LogLevel level) const noexcept override {
    return level >= level_.load(std::memory_order_relaxed) && next_->enabled(level);
  }
  void set_level(nethttp::LogLevel level) noexcept { level_.store(level, std::memory_order_relaxed); }

 private:
  std::shared_ptr<nethttp::Logger> next_;
  std::atomic<nethttp::LogLevel> level_;
};

/// level_name is "debug", "info", "warn" or "error".
std::string_view level_name(nethttp::LogLevel level);

}  // namespace static_server
