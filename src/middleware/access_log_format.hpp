#pragma once
// Formatting of access log lines, kept apart from the logging machinery so it can be tested
// as a pure function.

#include <chrono>
#include <string>

#include "nethttp/middleware.hpp"
#include "nethttp/request.hpp"
#include "nethttp/response_writer.hpp"

namespace nethttp::detail {

/// AccessLogEntry is what one access log line says. The request fields are copied when the
/// request arrives, since the Request is reused before a deferred response finishes.
struct AccessLogEntry {
  std::string remote;  ///< client IP
  std::string method;
  std::string target;
  HttpVersion version;
  std::string referer;
  std::string user_agent;
  std::string request_id;  ///< X-Request-ID as the request carried it, or ""
  std::chrono::system_clock::time_point start;
  std::chrono::nanoseconds duration{0};
  ResponseStats stats;

  /// capture copies the request fields and stamps start with the current time.
  static AccessLogEntry capture(const Request& r);
};

/// format_access_line renders entry in format, without a trailing newline. Common and
/// Combined escape '"', '\\' and non-printable bytes as Apache does (\" \\ \xhh) and print
/// "-" for empty fields; a status of 0 (client gone before one) prints as "-". Times are local
/// time for Common/Combined ([10/Oct/2000:13:55:36 -0700]) and UTC RFC 3339 for JSON.
std::string format_access_line(AccessLogFormat format, const AccessLogEntry& entry);

}  // namespace nethttp::detail
