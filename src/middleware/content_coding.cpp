#include "middleware/content_coding.hpp"

#include <array>

#include "core/header_list.hpp"
#include "nethttp/headers.hpp"

namespace nethttp::detail {

namespace {

bool iends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace

bool accepts_gzip(std::string_view header) noexcept { return coding_weight(header, {"gzip", "x-gzip"}) > 0; }

bool compressible(std::string_view content_type) noexcept {
  std::string_view type = trim_ows(content_type.substr(0, content_type.find(';')));
  if (type.empty()) return false;
  // A server-sent event stream is never compressed: gzip would hold events back until its
  // buffer filled, and EventSource clients expect each event as soon as it is sent.
  if (iequals(type, "text/event-stream")) return false;
  if (istarts_with(type, "text/")) return true;
  if (iends_with(type, "+json") || iends_with(type, "+xml")) return true;
  static constexpr std::array<std::string_view, 13> kTypes = {
      "application/json",
      "application/javascript",
      "application/x-javascript",
      "application/ecmascript",
      "application/xml",
      "application/x-ndjson",
      "application/yaml",
      "application/x-yaml",
      "application/wasm",
      "application/vnd.ms-fontobject",
      "font/ttf",
      "font/otf",
      "image/x-icon",
  };
  for (std::string_view t : kTypes) {
    if (iequals(type, t)) return true;
  }
  return false;
}

}  // namespace nethttp::detail
