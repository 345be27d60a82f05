#include "middleware/access_log_format.hpp"

#include <fmt/format.h>

#include <ctime>

namespace nethttp::detail {

namespace {

// append_clf_escaped follows Apache's ap_escape_logitem: the quote and backslash get a
// backslash, bytes outside printable ASCII become \xhh, so a line can never be split or
// faked by what a client sends.
void append_clf_escaped(std::string& out, std::string_view s) {
  if (s.empty()) {
    out.push_back('-');
    return;
  }
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.push_back(ch);
    }
  }
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        // Control bytes are escaped; bytes >= 0x80 are too, as \u00XX, since the request may
        // carry invalid UTF-8 and the line must stay valid JSON.
        if (c < 0x20 || c >= 0x7f) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

std::string clf_time(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S %z", &tm);
  return std::string(buf, n);
}

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", std::string_view(buf, n), static_cast<int>(ms % 1000));
}

}  // namespace

AccessLogEntry AccessLogEntry::capture(const Request& r) {
  AccessLogEntry e;
  e.remote.assign(client_ip(r.remote_addr()));
  e.method.assign(r.method());
  e.target.assign(r.target());
  e.version = r.version();
  e.referer.assign(r.header("Referer"));
  e.user_agent.assign(r.header("User-Agent"));
  e.request_id.assign(r.header("X-Request-ID"));
  e.start = std::chrono::system_clock::now();
  return e;
}

std::string format_access_line(AccessLogFormat format, const AccessLogEntry& e) {
  std::string out;
  out.reserve(160 + e.target.size() + e.user_agent.size());
  if (format == AccessLogFormat::Json) {
    // field appends a key (with its leading punctuation) and a JSON string value.
    auto field = [&out](std::string_view key, std::string_view value) {
      out += key;
      append_json_string(out, value);
    };
    field("{\"time\":", rfc3339_utc(e.start));
    field(",\"remote\":", e.remote);
    field(",\"method\":", e.method);
    field(",\"uri\":", e.target);
    out += fmt::format(",\"proto\":\"HTTP/{}.{}\",\"status\":{},\"bytes\":{},\"duration_ms\":{:.3f}", e.version.major,
                       e.version.minor, e.stats.status, e.stats.body_bytes,
                       std::chrono::duration<double, std::milli>(e.duration).count());
    field(",\"referer\":", e.referer);
    field(",\"user_agent\":", e.user_agent);
    field(",\"request_id\":", e.request_id);
    out += e.stats.completed ? ",\"completed\":true}" : ",\"completed\":false}";
    return out;
  }
  // host ident authuser [date] "request" status bytes
  append_clf_escaped(out, e.remote);
  out += " - - [";
  out += clf_time(e.start);
  out += "] \"";
  std::string request_line = fmt::format("{} {} HTTP/{}.{}", e.method, e.target, e.version.major, e.version.minor);
  append_clf_escaped(out, request_line);
  out += "\" ";
  out += e.stats.status == 0 ? std::string("-") : std::to_string(e.stats.status);
  out.push_back(' ');
  // CLF writes "-" for an empty body (Apache's %b).
  out += e.stats.body_bytes == 0 ? std::string("-") : std::to_string(e.stats.body_bytes);
  if (format == AccessLogFormat::Combined) {
    out += " \"";
    append_clf_escaped(out, e.referer);
    out += "\" \"";
    append_clf_escaped(out, e.user_agent);
    out.push_back('"');
  }
  return out;
}

}  // namespace nethttp::detail
