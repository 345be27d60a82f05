// JSON text without a JSON library: string escaping (RFC 8259 section 7) with UTF-8
// validation (RFC 3629 section 4's table of well-formed sequences), and JsonWriter.

#include "nethttp/json_writer.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "core/error_headers.hpp"

namespace nethttp {

namespace {

// utf8_sequence_length returns the length of the well-formed UTF-8 sequence at the start of
// s, or 0 when s does not start with one. RFC 3629 section 4: the second byte's range
// depends on the first, which rules out overlong forms (C0, C1, E0 80-9F, F0 80-8F),
// surrogates (ED A0-BF) and code points past U+10FFFF (F4 90-BF, F5-FF).
std::size_t utf8_sequence_length(std::string_view s) noexcept {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  auto in = [](unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; };
  const unsigned char c0 = b(0);
  if (c0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (in(c0, 0xC2, 0xDF)) {
    len = 2;
  } else if (in(c0, 0xE0, 0xEF)) {
    len = 3;
    if (c0 == 0xE0) lo = 0xA0;
    if (c0 == 0xED) hi = 0x9F;
  } else if (in(c0, 0xF0, 0xF4)) {
    len = 4;
    if (c0 == 0xF0) lo = 0x90;
    if (c0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < len || !in(b(1), lo, hi)) return 0;
  for (std::size_t i = 2; i < len; ++i) {
    if (!in(b(i), 0x80, 0xBF)) return 0;
  }
  return len;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  out.push_back('"');
  while (!s.empty()) {
    const auto c = static_cast<unsigned char>(s.front());
    if (c >= 0x80) {
      std::size_t n = utf8_sequence_length(s);
      if (n == 0) {
        out.append(kReplacement);  // one U+FFFD per bad byte, as WHATWG's decoder does per maximal subpart
        s.remove_prefix(1);
      } else {
        out.append(s.substr(0, n));
        s.remove_prefix(n);
      }
      continue;
    }
    s.remove_prefix(1);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

std::string json_string(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_json_string(out, s);
  return out;
}

void JsonWriter::before_value() {
  if (stack_.empty()) {
    if (has_root_) throw std::logic_error("JsonWriter: a second top-level value");
    has_root_ = true;
    return;
  }
  switch (stack_.back()) {
    case Frame::ObjectFirstKey:
    case Frame::ObjectKey: throw std::logic_error("JsonWriter: an object member needs key() before its value");
    case Frame::ObjectValue: stack_.back() = Frame::ObjectKey; break;
    case Frame::ArrayFirst: stack_.back() = Frame::ArrayNext; break;
    case Frame::ArrayNext: out_.push_back(','); break;
  }
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_.push_back('{');
  stack_.push_back(Frame::ObjectFirstKey);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  if (stack_.empty() || (stack_.back() != Frame::ObjectFirstKey && stack_.back() != Frame::ObjectKey)) {
    throw std::logic_error("JsonWriter: end_object() without an open object awaiting a key");
  }
  stack_.pop_back();
  out_.push_back('}');
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_.push_back('[');
  stack_.push_back(Frame::ArrayFirst);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  if (stack_.empty() || (stack_.back() != Frame::ArrayFirst && stack_.back() != Frame::ArrayNext)) {
    throw std::logic_error("JsonWriter: end_array() without an open array");
  }
  stack_.pop_back();
  out_.push_back(']');
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  if (stack_.empty() || (stack_.back() != Frame::ObjectFirstKey && stack_.back() != Frame::ObjectKey)) {
    throw std::logic_error("JsonWriter: key() outside an object or where a value is due");
  }
  if (stack_.back() == Frame::ObjectKey) out_.push_back(',');
  stack_.back() = Frame::ObjectValue;
  append_json_string(out_, name);
  out_.push_back(':');
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  before_value();
  append_json_string(out_, s);
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  before_value();
  out_.append(b ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::signed_value(long long n) {
  before_value();
  out_.append(std::to_string(n));
  return *this;
}

JsonWriter& JsonWriter::unsigned_value(unsigned long long n) {
  before_value();
  out_.append(std::to_string(n));
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  if (!std::isfinite(d)) return null();
  before_value();
  char buf[32];
  // The shortest text that reads back as the same double; "1e+20" and "0.5" are JSON numbers.
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  if (ec != std::errc{}) throw std::logic_error("JsonWriter: cannot format a double");
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_.append("null");
  return *this;
}

const std::string& JsonWriter::str() const {
  if (!complete()) throw std::logic_error("JsonWriter: str() before the JSON text is complete");
  return out_;
}

void write_json(ResponseWriter& w, std::string_view json_text, int status) {
  if (!w.headers().has("Content-Type")) w.headers().set("Content-Type", "application/json");
  w.write_header(status);
  w.write(json_text);
  w.write("\n");
}

void json_error(ResponseWriter& w, std::string_view message, int status) {
  std::string body = "{\"error\":";
  append_json_string(body, message);
  body.push_back('}');
  detail::reset_error_headers(w.headers(), "application/json");  // as error() does
  write_json(w, body, status);
}

}  // namespace nethttp
