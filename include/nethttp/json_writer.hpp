#pragma once
/// \file json_writer.hpp
/// A small JSON writer that needs no JSON library: string escaping that always yields valid
/// JSON, a streaming JsonWriter for objects and arrays, and write_json()/json_error() to
/// answer with `Content-Type: application/json`. For a full JSON library, see json.hpp
/// (optional, needs nlohmann/json in the application).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/response_writer.hpp"
#include "nethttp/status.hpp"

namespace nethttp {

/// append_json_string appends s to out as a JSON string literal, quotes included (RFC 8259
/// section 7). '"', '\\' and every control byte are escaped (\n, \t, ... or \u00XX), and
/// each byte that is not part of a well-formed UTF-8 sequence (including overlong forms,
/// surrogates and code points past U+10FFFF) becomes U+FFFD, so the result is valid JSON
/// and valid UTF-8 whatever s holds. Never throws except std::bad_alloc.
void append_json_string(std::string& out, std::string_view s);

/// json_string returns s as a JSON string literal, as append_json_string writes it.
[[nodiscard]] std::string json_string(std::string_view s);

/// JsonWriter builds one JSON text by appending values in order, and inserts the commas and
/// colons itself:
///
///     JsonWriter j;
///     j.begin_object().key("id").value(7).key("tags").begin_array().value("a").end_array().end_object();
///     write_json(w, j);            // {"id":7,"tags":["a"]}
///
/// Strings (keys included) are escaped as append_json_string does. Nesting is tracked, and a
/// misuse (a value where a key is due, a key outside an object, an unbalanced end_*, or
/// str() before the text is complete) throws std::logic_error: such a writer can never
/// produce invalid JSON. Non-finite doubles (NaN, infinities) are written as null, as
/// JavaScript's JSON.stringify does. Not thread-safe.
class JsonWriter {
 public:
  JsonWriter() = default;

  /// @{ begin_object / end_object open and close an object; begin_array / end_array an array.
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  /// @}
  /// key writes an object member's name; a value must follow.
  JsonWriter& key(std::string_view name);
  /// @{ value writes one value: a string, a boolean, a number.
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(int n) { return signed_value(n); }
  JsonWriter& value(long n) { return signed_value(n); }
  JsonWriter& value(long long n) { return signed_value(n); }
  JsonWriter& value(unsigned n) { return unsigned_value(n); }
  JsonWriter& value(unsigned long n) { return unsigned_value(n); }
  JsonWriter& value(unsigned long long n) { return unsigned_value(n); }
  JsonWriter& value(double d);
  /// @}
  /// null writes the literal null.
  JsonWriter& null();
  /// member writes key(name) then value(v): `j.member("id", 7)`.
  template <class T>
  JsonWriter& member(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  /// complete reports whether the text holds exactly one whole value (every object and
  /// array closed).
  [[nodiscard]] bool complete() const noexcept { return has_root_ && stack_.empty(); }
  /// str returns the JSON text. Throws std::logic_error unless complete().
  [[nodiscard]] const std::string& str() const;

 private:
  JsonWriter& signed_value(long long n);
  JsonWriter& unsigned_value(unsigned long long n);
  void before_value();
  // Frame is what the innermost open container expects next.
  enum class Frame : unsigned char { ObjectFirstKey, ObjectKey, ObjectValue, ArrayFirst, ArrayNext };
  std::string out_;
  std::vector<Frame> stack_;
  bool has_root_ = false;
};

/// write_json answers with status and json_text, which must already be JSON (for example a
/// JsonWriter's str()): it sets `Content-Type: application/json` unless the handler set a
/// Content-Type, writes the status and the text, and ends it with a newline. The text is
/// not checked.
void write_json(ResponseWriter& w, std::string_view json_text, int status = 200);
/// write_json with a Status enumerator.
inline void write_json(ResponseWriter& w, std::string_view json_text, Status status) {
  write_json(w, json_text, to_int(status));
}
/// write_json answers with status and a complete JsonWriter's text. Throws
/// std::logic_error, writing nothing, when the writer is incomplete.
inline void write_json(ResponseWriter& w, const JsonWriter& json, int status = 200) {
  write_json(w, std::string_view(json.str()), status);
}
/// write_json with a JsonWriter and a Status enumerator.
inline void write_json(ResponseWriter& w, const JsonWriter& json, Status status) {
  write_json(w, std::string_view(json.str()), to_int(status));
}

/// json_error answers with status and `{"error":"<message>"}` as application/json, the JSON
/// counterpart of error() (message is escaped; any bytes are safe). It also sets
/// `X-Content-Type-Options: nosniff`.
void json_error(ResponseWriter& w, std::string_view message, int status);
/// json_error with a Status enumerator.
inline void json_error(ResponseWriter& w, std::string_view message, Status status) {
  json_error(w, message, to_int(status));
}

}  // namespace nethttp
