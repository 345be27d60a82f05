#pragma once
// The shortener's routes:
//
//   POST /shorten            body {"url": "..."} (application/json) or url=... (a form);
//                            201 {"code": "...", "short_url": "...", "url": "..."}
//   GET  /{code}             302 to the target URL, counting a hit; 404 for unknown codes
//   GET  /api/stats/{code}   {"code", "url", "hits", "created"}; 404 for unknown codes
//
// Errors are JSON, {"error": "..."}: 400 for a missing or invalid URL or a malformed body,
// 415 for a body that is neither JSON nor a form, 404 for an unknown code, 503 when the
// store is full. Header-only so tests/integration/shortener_test.cpp mounts these routes.

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "link_store.hpp"
#include "nethttp/headers.hpp"
#include "nethttp/helpers.hpp"
#include "nethttp/request.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/status.hpp"
#include "url.hpp"

namespace shortener {

using Json = nlohmann::json;

/// RoutesOptions configures register_routes().
struct RoutesOptions {
  /// base_url prefixes codes in short_url ("https://sho.rt"); empty means "http://" plus
  /// the request's Host.
  std::string base_url;
};

/// write_json answers with status and body as JSON (invalid UTF-8 becomes U+FFFD).
inline void write_json(nethttp::ResponseWriter& w, nethttp::Status status, const Json& body) {
  w.headers().set("Content-Type", "application/json");
  w.write_header(status);
  w.write(body.dump(-1, ' ', false, Json::error_handler_t::replace));
  w.write("\n");
}

/// write_error answers with status and {"error": message}.
inline void write_error(nethttp::ResponseWriter& w, nethttp::Status status, std::string_view message) {
  write_json(w, status, Json{{"error", message}});
}

/// form_value returns the decoded value of the first name=value pair called name in an
/// application/x-www-form-urlencoded body, or nullopt when it is absent or badly encoded.
inline std::optional<std::string> form_value(std::string_view body, std::string_view name) {
  while (!body.empty()) {
    std::size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    std::size_t eq = pair.find('=');
    std::string key;
    if (!nethttp::percent_decode(pair.substr(0, eq), key, /*plus_as_space=*/true) || key != name) continue;
    std::string value;
    if (eq == std::string_view::npos) return value;
    if (!nethttp::percent_decode(pair.substr(eq + 1), value, /*plus_as_space=*/true)) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

/// format_time renders t as RFC 3339 in UTC ("2024-05-01T12:00:00Z").
inline std::string format_time(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

namespace detail {

inline std::string_view media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return type;
}

// read_url extracts the target URL from a POST /shorten body, answering 415 or 400 itself.
inline std::optional<std::string> read_url(nethttp::ResponseWriter& w, const nethttp::Request& r) {
  std::string_view type = media_type(r.header("Content-Type"));
  std::optional<std::string> url;
  if (nethttp::iequals(type, "application/json")) {
    Json j = Json::parse(r.body(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      write_error(w, nethttp::Status::BadRequest, "body must be a JSON object like {\"url\": \"https://...\"}");
      return std::nullopt;
    }
    if (auto it = j.find("url"); it != j.end() && it->is_string()) url = it->get<std::string>();
  } else if (type.empty() || nethttp::iequals(type, "application/x-www-form-urlencoded")) {
    url = form_value(r.body(), "url");
  } else {
    write_error(w, nethttp::Status::UnsupportedMediaType,
                "Content-Type must be application/json or application/x-www-form-urlencoded");
    return std::nullopt;
  }
  std::string_view problem = url ? validate_url(*url) : "url is required";
  if (!problem.empty()) {
    write_error(w, nethttp::Status::BadRequest, problem);
    return std::nullopt;
  }
  return url;
}

}  // namespace detail

/// register_routes adds the shortener's routes to mux. The handlers share store (and keep
/// it alive); they run on every loop at once.
inline void register_routes(nethttp::ServeMux& mux, std::shared_ptr<LinkStore> store, RoutesOptions options = {}) {
  mux.handle("POST /shorten", [store, base = std::move(options.base_url)](nethttp::ResponseWriter& w,
                                                                          nethttp::Request& r) {
    auto url = detail::read_url(w, r);
    if (!url) return;
    std::shared_ptr<Link> link = store->create(std::move(*url));
    if (!link) return write_error(w, nethttp::Status::ServiceUnavailable, "the link store is full");
    std::string short_url = base.empty() ? "http://" + std::string(r.host()) : base;
    if (!short_url.ends_with('/')) short_url += '/';
    short_url += link->code;
    w.headers().set("Location", short_url);
    write_json(w, nethttp::Status::Created, Json{{"code", link->code}, {"short_url", short_url}, {"url", link->url}});
  });

  mux.handle("GET /{code}", [store](nethttp::ResponseWriter& w, nethttp::Request& r) {
    // A GET pattern also answers HEAD; only GETs count as visits.
    std::shared_ptr<Link> link = r.method() == "GET" ? store->resolve(r.path_value("code"))
                                                     : store->find(r.path_value("code"));
    if (!link) return write_error(w, nethttp::Status::NotFound, "no such link");
    // Browsers must come back each time, or hits would go uncounted.
    w.headers().set("Cache-Control", "no-store");
    nethttp::redirect(w, r, link->url, nethttp::Status::Found);
  });

  mux.handle("GET /api/stats/{code}", [store](nethttp::ResponseWriter& w, nethttp::Request& r) {
    std::shared_ptr<Link> link = store->find(r.path_value("code"));
    if (!link) return write_error(w, nethttp::Status::NotFound, "no such link");
    write_json(w, nethttp::Status::OK,
               Json{{"code", link->code},
                    {"url", link->url},
                    {"hits", link->hits.load(std::memory_order_relaxed)},
                    {"created", format_time(link->created)}});
  });
}

}  // namespace shortener
