// cors: Cross-Origin Resource Sharing, per the Fetch standard (fetch.spec.whatwg.org,
// "CORS protocol"). A preflight is answered here and never reaches the handler; an actual
// request gets its Allow-Origin on the way through. Disallowed requests get no CORS
// headers at all, and the browser, not the server, blocks the page from reading them.

#include <stdexcept>
#include <string>

#include "core/header_list.hpp"
#include "nethttp/middleware.hpp"

namespace nethttp {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

// OriginPattern is an exact origin or one with a single '*' standing for any run of bytes.
struct OriginPattern {
  std::string prefix, suffix;
  bool wildcard = false;

  bool matches(std::string_view origin) const noexcept {
    if (!wildcard) return origin == prefix;
    return origin.size() >= prefix.size() + suffix.size() && origin.starts_with(prefix) && origin.ends_with(suffix);
  }
};

class Cors {
 public:
  explicit Cors(const CorsOptions& o)
      : methods_(o.allowed_methods),
        headers_(o.allowed_headers),
        credentials_(o.allow_credentials),
        allow_methods_(join(o.allowed_methods)),
        expose_(join(o.exposed_headers)),
        max_age_(o.max_age.count() > 0 ? std::to_string(o.max_age.count()) : std::string()) {
    for (const std::string& origin : o.allowed_origins) {
      if (origin == "*") {
        any_origin_ = true;
        continue;
      }
      std::size_t star = origin.find('*');
      if (star == std::string::npos) {
        origins_.push_back({origin, {}, false});
      } else if (origin.find('*', star + 1) != std::string::npos) {
        throw std::invalid_argument("cors: origin pattern \"" + origin + "\" has more than one '*'");
      } else {
        origins_.push_back({origin.substr(0, star), origin.substr(star + 1), true});
      }
    }
    for (const std::string& h : headers_) {
      if (h == "*") any_header_ = true;
    }
    // With credentials, "*" is not a wildcard for headers (Fetch: "Access-Control-Allow-
    // Headers ... `*` counts as a wildcard for requests without credentials").
    if (credentials_) any_header_ = false;
    // The answer is the same for every origin only when all are allowed and "*" is sent.
    vary_origin_ = !any_origin_ || credentials_;
  }

  void serve(const Handler& next, ResponseWriter& w, Request& r) const {
    Headers& out = w.headers();
    std::string_view origin = r.header("Origin");
    const bool preflight =
        r.method() == "OPTIONS" && !origin.empty() && r.headers().has("Access-Control-Request-Method");
    if (preflight) {
      // A preflight answer depends on all three request headers, whatever the outcome.
      out.add("Vary", "Origin");
      out.add("Vary", "Access-Control-Request-Method");
      out.add("Vary", "Access-Control-Request-Headers");
      answer_preflight(out, r, origin);
      w.write_header(Status::NoContent);
      return;
    }
    if (vary_origin_) out.add("Vary", "Origin");
    if (!origin.empty() && origin_allowed(origin)) {
      set_allow_origin(out, origin);
      if (!expose_.empty()) out.set("Access-Control-Expose-Headers", expose_);
    }
    next.serve(w, r);
  }

 private:
  bool origin_allowed(std::string_view origin) const noexcept {
    if (any_origin_) return true;
    for (const OriginPattern& p : origins_) {
      if (p.matches(origin)) return true;
    }
    return false;
  }

  void set_allow_origin(Headers& out, std::string_view origin) const {
    // "*" cannot be combined with credentials; echo the origin then.
    if (any_origin_ && !credentials_) {
      out.set("Access-Control-Allow-Origin", "*");
    } else {
      out.set("Access-Control-Allow-Origin", origin);
    }
    if (credentials_) out.set("Access-Control-Allow-Credentials", "true");
  }

  bool method_allowed(std::string_view method) const noexcept {
    for (const std::string& m : methods_) {
      if (m == method) return true;
    }
    return false;
  }

  bool header_allowed(std::string_view name) const noexcept {
    if (any_header_) return true;
    for (const std::string& h : headers_) {
      if (iequals(h, name)) return true;
    }
    return false;
  }

  // requested_headers_allowed checks the comma-separated Access-Control-Request-Headers.
  bool requested_headers_allowed(std::string_view list) const noexcept {
    while (!list.empty()) {
      std::size_t comma = list.find(',');
      std::string_view name = detail::trim_ows(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      if (!name.empty() && !header_allowed(name)) return false;
    }
    return true;
  }

  void answer_preflight(Headers& out, const Request& r, std::string_view origin) const {
    if (!origin_allowed(origin)) return;
    std::string_view method = detail::trim_ows(r.header("Access-Control-Request-Method"));
    if (!method_allowed(method)) return;
    std::string requested;  // joined, since the header may occur several times
    for (std::string_view v : r.headers().values("Access-Control-Request-Headers")) {
      if (!requested.empty()) requested += ", ";
      requested += detail::trim_ows(v);
    }
    if (!requested_headers_allowed(requested)) return;
    set_allow_origin(out, origin);
    out.set("Access-Control-Allow-Methods", allow_methods_);
    // Echo what was asked for: it is all allowed, and this works for "*" with or without
    // credentials.
    if (!requested.empty()) out.set("Access-Control-Allow-Headers", requested);
    if (!max_age_.empty()) out.set("Access-Control-Max-Age", max_age_);
  }

  std::vector<OriginPattern> origins_;
  bool any_origin_ = false;
  std::vector<std::string> methods_;
  std::vector<std::string> headers_;
  bool any_header_ = false;
  bool credentials_;
  bool vary_origin_ = true;
  std::string allow_methods_;  // prebuilt header values
  std::string expose_;
  std::string max_age_;
};

}  // namespace

Middleware cors(const CorsOptions& options) {
  auto c = std::make_shared<const Cors>(options);
  return [c](Handler next) -> Handler {
    return [c, next = std::move(next)](ResponseWriter& w, Request& r) { c->serve(next, w, r); };
  };
}

}  // namespace nethttp
