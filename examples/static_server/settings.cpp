#include "settings.hpp"

#include <fstream>

namespace static_server {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view level_name(nethttp::LogLevel level) {
  switch (level) {
    case nethttp::LogLevel::Debug: return "debug";
    case nethttp::LogLevel::Info: return "info";
    case nethttp::LogLevel::Warn: return "warn";
    case nethttp::LogLevel::Error: return "error";
  }
  return "info";
}

std::string read_settings(const std::string& path, Settings& settings) {
  std::ifstream in(path);
  if (!in) return path + ": cannot open";
  Settings next = settings;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string_view text = trim(std::string_view(line).substr(0, line.find('#')));
    if (text.empty()) continue;
    const std::size_t eq = text.find('=');
    const std::string where = path + ":" + std::to_string(number) + ": ";
    if (eq == std::string_view::npos) return where + "want \"name = value\"";
    const std::string_view name = trim(text.substr(0, eq));
    const std::string_view value = trim(text.substr(eq + 1));
    if (name == "cache-control") {
      next.cache_control = value;
    } else if (name == "log-level") {
      bool found = false;
      for (auto level :
           {nethttp::LogLevel::Debug, nethttp::LogLevel::Info, nethttp::LogLevel::Warn, nethttp::LogLevel::Error}) {
        if (value == level_name(level)) {
          next.log_level = level;
          found = true;
        }
      }
      if (!found) return where + "log-level wants debug, info, warn or error, got \"" + std::string(value) + "\"";
    } else {
      return where + "unknown setting \"" + std::string(name) + "\"";
    }
  }
  settings = next;
  return {};
}

}  // namespace static_server
