#pragma once
/// \file json.hpp
/// write_json() and read_json() for applications that use nlohmann/json. Optional: the
/// library itself never includes this header and does not depend on nlohmann/json; include
/// it only in code that links nlohmann_json::nlohmann_json. Without nlohmann, use
/// json_writer.hpp.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "nethttp/headers.hpp"
#include "nethttp/json_writer.hpp"
#include "nethttp/request.hpp"
#include "nethttp/response_writer.hpp"
#include "nethttp/status.hpp"

namespace nethttp {

/// kDefaultJsonBodyBytes is read_json()'s default body limit: 1 MiB.
inline constexpr std::size_t kDefaultJsonBodyBytes = 1024 * 1024;

/// write_json answers with status and value serialised compactly as application/json. A
/// string in value that is not valid UTF-8 is written with U+FFFD in place of the bad
/// bytes instead of throwing, so the body is always valid JSON.
template <class BasicJson>
  requires std::is_same_v<BasicJson, nlohmann::json> || std::is_same_v<BasicJson, nlohmann::ordered_json>
void write_json(ResponseWriter& w, const BasicJson& value, int status = 200) {
  write_json(w, std::string_view(value.dump(-1, ' ', false, BasicJson::error_handler_t::replace)), status);
}
/// write_json with a Status enumerator.
template <class BasicJson>
  requires std::is_same_v<BasicJson, nlohmann::json> || std::is_same_v<BasicJson, nlohmann::ordered_json>
void write_json(ResponseWriter& w, const BasicJson& value, Status status) { write_json(w, value, to_int(status)); }

/// is_json_content_type reports whether a Content-Type names JSON: application/json or any
/// application/...+json type, parameters ignored, compared without case.
inline bool is_json_content_type(std::string_view content_type) noexcept {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  if (iequals(type, "application/json")) return true;
  return type.size() > 17 && iequals(type.substr(0, 12), "application/") &&
         iequals(type.substr(type.size() - 5), "+json");
}

/// read_json parses r's body as JSON. On failure it answers itself with a JSON error
/// ({"error": "..."}, see json_error()) and returns nullopt, so a handler only returns:
///
///     auto body = nethttp::read_json(w, r);
///     if (!body) return;
///
///   - 413 when the body is longer than max_bytes (checked before parsing);
///   - 415 when a Content-Type is present and is not JSON (see is_json_content_type); a
///     request without one is accepted, so `curl --json` and hand-written clients both work;
///   - 400 when the body is empty or not valid JSON (the message gives the byte offset).
inline std::optional<nlohmann::json> read_json(ResponseWriter& w, const Request& r,
                                               std::size_t max_bytes = kDefaultJsonBodyBytes) {
  if (r.body().size() > max_bytes) {
    json_error(w, "request body too large: at most " + std::to_string(max_bytes) + " bytes of JSON",
               Status::ContentTooLarge);
    return std::nullopt;
  }
  std::string_view type = r.header("Content-Type");
  if (!type.empty() && !is_json_content_type(type)) {
    json_error(w, "Content-Type must be application/json", Status::UnsupportedMediaType);
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(r.body());
  } catch (const nlohmann::json::parse_error& e) {
    json_error(w, "body is not valid JSON (at byte " + std::to_string(e.byte) + ")", Status::BadRequest);
    return std::nullopt;
  }
}

}  // namespace nethttp
