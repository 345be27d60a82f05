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
// store is full. The router's own 404 and 405 are JSON too (ServeMux::set_error_writer), and
// main.cpp makes the server's protocol errors JSON (ServerConfig::error_writer).
// Header-only so tests/integration/shortener_test.cpp mounts these routes.

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "link_store.hpp"
#include "nethttp/error_writer.hpp"
#include "nethttp/form.hpp"
#include "nethttp/headers.hpp"
#include "nethttp/helpers.hpp"
#include "nethttp/json.hpp"
#include "nethttp/json_writer.hpp"
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

/// write_error answers with status and {"error": message} (nethttp::json_error).
inline void write_error(nethttp::ResponseWriter& w, nethttp::Status status, std::string_view message) {
  nethttp::json_error(w, message, status);
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
inline std::optional<std::string> read_url(nethttp::ResponseWriter& w, nethttp::Request& r) {
  std::string_view type = media_type(r.header("Content-Type"));
  std::optional<std::string> url;
  if (nethttp::iequals(type, "application/json")) {
    std::optional<Json> j = nethttp::read_json(w, r);  // answers 400 or 413 itself
    if (!j) return std::nullopt;
    if (!j->is_object()) {
      write_error(w, nethttp::Status::BadRequest, "body must be a JSON object like {\"url\": \"https://...\"}");
      return std::nullopt;
    }
    if (auto it = j->find("url"); it != j->end() && it->is_string()) url = it->get<std::string>();
  } else if (nethttp::iequals(type, "application/x-www-form-urlencoded")) {
    if (nethttp::FormError e = r.parse_form(); e != nethttp::FormError::None) {
      write_error(w, static_cast<nethttp::Status>(nethttp::status_for(e)), nethttp::form_error_message(e));
      return std::nullopt;
    }
    if (r.post_form().has("url")) url = std::string(r.post_form_value("url"));
  } else if (type.empty()) {
    // curl -d sends a form; a body without a Content-Type is read as one too, which
    // Request::parse_form() (Go's ParseForm) does not do, so it is parsed here.
    nethttp::FormValues form;
    if (nethttp::FormError e = nethttp::parse_urlencoded(r.body(), form, nethttp::FormLimits{}.max_fields);
        e != nethttp::FormError::None) {
      write_error(w, static_cast<nethttp::Status>(nethttp::status_for(e)), nethttp::form_error_message(e));
      return std::nullopt;
    }
    if (form.has("url")) url = std::string(form.get("url"));
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
  // The router's own 404 and 405 answer JSON too, like every route below.
  mux.set_error_writer(nethttp::json_error_writer());
  mux.handle("POST /shorten",
             [store, base = std::move(options.base_url)](nethttp::ResponseWriter& w, nethttp::Request& r) {
               auto url = detail::read_url(w, r);
               if (!url) return;
               std::shared_ptr<Link> link = store->create(std::move(*url));
               if (!link) return write_error(w, nethttp::Status::ServiceUnavailable, "the link store is full");
               std::string short_url = base.empty() ? "http://" + std::string(r.host()) : base;
               if (!short_url.ends_with('/')) short_url += '/';
               short_url += link->code;
               w.headers().set("Location", short_url);
               nethttp::write_json(w, Json{{"code", link->code}, {"short_url", short_url}, {"url", link->url}},
                                   nethttp::Status::Created);
             });

  mux.handle("GET /{code}", [store](nethttp::ResponseWriter& w, nethttp::Request& r) {
    // A GET pattern also answers HEAD; only GETs count as visits.
    std::shared_ptr<Link> link =
        r.method() == "GET" ? store->resolve(r.path_value("code")) : store->find(r.path_value("code"));
    if (!link) return write_error(w, nethttp::Status::NotFound, "no such link");
    // Browsers must come back each time, or hits would go uncounted.
    w.headers().set("Cache-Control", "no-store");
    nethttp::redirect(w, r, link->url, nethttp::Status::Found);
  });

  mux.handle("GET /api/stats/{code}", [store](nethttp::ResponseWriter& w, nethttp::Request& r) {
    std::shared_ptr<Link> link = store->find(r.path_value("code"));
    if (!link) return write_error(w, nethttp::Status::NotFound, "no such link");
    nethttp::write_json(w, Json{{"code", link->code},
                                {"url", link->url},
                                {"hits", link->hits.load(std::memory_order_relaxed)},
                                {"created", format_time(link->created)}});
  });
}

}  // namespace shortener
