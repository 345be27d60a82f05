#include "nethttp/logger.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <string>

namespace nethttp {

namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Debug: return spdlog::level::debug;
    case LogLevel::Info: return spdlog::level::info;
    case LogLevel::Warn: return spdlog::level::warn;
    case LogLevel::Error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

class SpdlogLogger final : public Logger {
 public:
  SpdlogLogger(std::shared_ptr<spdlog::logger> logger, LogLevel min) : logger_(std::move(logger)), min_(min) {
    logger_->set_level(to_spdlog(min));
    logger_->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%t] %v");
  }
  void log(LogLevel level, std::string_view message) override {
    if (level < min_) return;
    logger_->log(to_spdlog(level), "{}", message);
    if (level >= LogLevel::Warn) logger_->flush();
  }
  bool enabled(LogLevel level) const noexcept override { return level >= min_; }

 private:
  std::shared_ptr<spdlog::logger> logger_;  // spdlog loggers are thread-safe (_mt sinks)
  LogLevel min_;
};

class NullLogger final : public Logger {
 public:
  void log(LogLevel, std::string_view) override {}
  bool enabled(LogLevel) const noexcept override { return false; }
};

}  // namespace

std::shared_ptr<Logger> make_spdlog_logger(std::string_view path, LogLevel min_level) {
  std::shared_ptr<spdlog::logger> logger;
  if (path.empty()) {
    logger = std::make_shared<spdlog::logger>("nethttp", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  } else {
    try {
      logger = std::make_shared<spdlog::logger>("nethttp",
                                                std::make_shared<spdlog::sinks::basic_file_sink_mt>(std::string(path)));
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error(e.what());
    }
  }
  return std::make_shared<SpdlogLogger>(std::move(logger), min_level);
}

std::shared_ptr<Logger> default_logger() {
  static const std::shared_ptr<Logger> logger = make_spdlog_logger({}, LogLevel::Info);
  return logger;
}

std::shared_ptr<Logger> null_logger() {
  static const std::shared_ptr<Logger> logger = std::make_shared<NullLogger>();
  return logger;
}

}  // namespace nethttp
