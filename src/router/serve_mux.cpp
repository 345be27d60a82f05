// ServeMux: sanitizes the request path, finds the most specific route through the routing
// tree, and answers redirects, 404 and 405 itself (Go's findHandler in server.go).
//
// The decision is made once, by decide(), and shared by serve() and handler(). For a
// matched request it allocates nothing: the path is checked for cleanliness in place, the
// host's port is cut off by a view, and segments are unescaped into a stack buffer. Only
// the rare outcomes (a redirect's Location, a 405's Allow list) build strings.

#include "nethttp/serve_mux.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "core/escape.hpp"
#include "core/url_path.hpp"
#include "router/path_clean.hpp"
#include "router/pattern.hpp"
#include "router/routing_tree.hpp"

namespace nethttp {

struct ServeMux::State {
  std::vector<std::unique_ptr<detail::Route>> routes;  // unique_ptr: the tree keeps addresses
  detail::RoutingTree tree;
  ErrorWriter error_writer;  // set_error_writer(); empty means text bodies
};

namespace {

using detail::Route;

enum class Outcome { match, redirect, method_not_allowed, not_found, bad_request };

struct Decision {
  Outcome outcome = Outcome::not_found;
  /// For match, the route to call. For redirect, the route the new location will match
  /// (may be null when the cleaned path matches nothing).
  const Route* route = nullptr;
  std::string location;  // redirect only
  std::string allow;     // method_not_allowed only
};

// exact_match reports whether route matches path (plus a virtual '/' when extra_slash)
// exactly, meaning no multi wildcard matched a non-empty rest. "/a/" exactly matches "/a/"
// but not "/a/b"; "/a/{x}" always exactly matches what it matches. Only an inexact match
// may be replaced by a trailing-slash redirect.
bool exact_match(const Route* route, std::string_view path, bool extra_slash) noexcept {
  if (route == nullptr) return false;
  if (!route->pattern.ends_in_multi()) return true;
  bool trailing = extra_slash || (!path.empty() && path.back() == '/');
  if (!trailing) return false;
  // The multi matched an empty rest exactly when the pattern has one segment per '/'.
  auto slashes = static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) + (extra_slash ? 1 : 0);
  return route->pattern.segments.size() == slashes;
}

void append_query(std::string& location, const Request& r) {
  if (r.raw_query().empty()) return;
  location.push_back('?');
  location.append(r.raw_query());
}

// sorted_allow joins the methods for a 405 Allow header: sorted, each once.
std::string sorted_allow(std::vector<std::string>& methods) {
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  std::string out;
  for (const std::string& m : methods) {
    if (!out.empty()) out += ", ";
    out += m;
  }
  return out;
}

// absolute_form_without_path reports whether target is absolute-form with an empty path
// ("http://host", "http://host?x=1"). Request gives such a target the path "/", but Go's
// URL.Path is "" there, and its ServeMux redirects it to "/" like any unclean path.
bool absolute_form_without_path(std::string_view target) noexcept {
  if (target.empty() || target.front() == '/') return false;
  const std::size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return false;
  const std::string_view rest = target.substr(scheme_end + 3);
  const std::size_t end = rest.find_first_of("/?#");
  return end == std::string_view::npos || rest[end] != '/';
}

// decide works out what to do with r: the sanitizing and matching steps of Go's
// findHandler, in the same order.
Decision decide(const detail::RoutingTree& tree, const Request& r) {
  Decision d;
  if (r.target() == "*") {
    d.outcome = Outcome::bad_request;  // "OPTIONS *" and friends address the server, not a route
    return d;
  }
  std::string_view method = r.method();
  std::string_view host;
  std::string_view path = r.raw_path();
  std::string cleaned;  // only filled for an unclean path, which always ends in a redirect
  bool connect = method == "CONNECT";
  if (connect) {
    // CONNECT requests are routed as sent: their target is an authority, not a path to
    // clean, and they have no path at all in authority-form.
    host = r.host();
    if (path.empty()) path = "/";
  } else {
    host = detail::strip_host_port(r.host());
    if (absolute_form_without_path(r.target())) {
      cleaned = "/";
      path = cleaned;
    } else if (!detail::is_canonical_path(path)) {
      cleaned = detail::canonical_path(path);
      path = cleaned;
    }
  }

  const Route* route = tree.match(host, method, path);
  if (!path.ends_with('/') && !exact_match(route, path, false) &&
      tree.has_slash_pattern(static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) + 1)) {
    // "/tree" did not match exactly: if "/tree/" does, send the client there. (The size
    // check skips this second walk when no pattern could match "/tree/" exactly.)
    const Route* with_slash = tree.match(host, method, path, true);
    if (exact_match(with_slash, path, true)) {
      d.outcome = Outcome::redirect;
      d.route = with_slash;
      // Cleaned even for CONNECT, so the Location can never start with "//" (which a
      // browser would read as another host).
      d.location = connect ? detail::canonical_path(path) : std::string(path);
      if (!d.location.ends_with('/')) d.location.push_back('/');
      append_query(d.location, r);
      return d;
    }
  }
  if (!cleaned.empty()) {
    d.outcome = Outcome::redirect;
    d.route = route;
    d.location = std::move(cleaned);
    append_query(d.location, r);
    return d;
  }
  if (route != nullptr) {
    d.outcome = Outcome::match;
    d.route = route;
    return d;
  }
  // Nothing for this method. If another method would match (with or without the trailing
  // slash the redirect above tries), the answer is 405 rather than 404.
  std::vector<std::string> methods;
  tree.matching_methods(host, path, false, methods);
  if (!path.ends_with('/')) tree.matching_methods(host, path, true, methods);
  if (!methods.empty()) {
    d.outcome = Outcome::method_not_allowed;
    d.allow = sorted_allow(methods);
  }
  return d;
}

// write_redirect answers 301 to location as Go's http.Redirect does for an absolute path:
// GET and HEAD get a text/html Content-Type (unless one is set), and GET a one-line body.
// location_for escapes a redirect target made from a request's path as Go's URL.String
// does: in the path, each byte that is not unreserved, a sub-delim, ':', '@', '/' or '%'
// becomes %XX, so "/\evil.com" goes out as "/%5Cevil.com" (browsers read a raw '\' as
// '/', which would make it "//evil.com": another host); the query as any Location.
std::string location_for(std::string_view location) {
  const std::size_t q = location.find('?');
  const std::string_view path = location.substr(0, q);
  std::string out;
  out.reserve(location.size() + 8);
  detail::append_percent_encoded(out, path, [](unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return false;
    switch (c) {
      case '-':
      case '.':
      case '_':
      case '~':  // unreserved
      case '!':
      case '$':
      case '&':
      case '\'':
      case '(':
      case ')':
      case '*':
      case '+':
      case ',':  // sub-delims
      case ';':
      case '=':
      case ':':
      case '@':
      case '/':
      case '%': return false;
      default: return true;
    }
  });
  if (q != std::string_view::npos) out += detail::escape_redirect_location(location.substr(q));
  return out;
}

void write_redirect(ResponseWriter& w, const Request& r, std::string_view location) {
  std::string loc = location_for(location);
  Headers& h = w.headers();
  h.set("Location", loc);
  bool had_type = h.has("Content-Type");
  bool get = r.method() == "GET";
  if (!had_type && (get || r.method() == "HEAD")) h.set("Content-Type", "text/html; charset=utf-8");
  w.write_header(Status::MovedPermanently);
  if (!had_type && get) w.write(fmt::format("<a href=\"{}\">Moved Permanently</a>.\n\n", detail::escape_html(loc)));
}

void write_method_not_allowed(ResponseWriter& w, const Request& r, std::string_view allow, const ErrorWriter& writer) {
  w.headers().set("Allow", allow);
  write_error_with(writer, w, r, to_int(Status::MethodNotAllowed), "Method Not Allowed");
}

void write_not_found(ResponseWriter& w, const Request& r, const ErrorWriter& writer) {
  write_error_with(writer, w, r, to_int(Status::NotFound), "404 page not found");
}

void write_bad_request(ResponseWriter& w, const Request& r) {
  if (r.version().major > 1 || (r.version().major == 1 && r.version().minor >= 1)) {
    w.headers().set("Connection", "close");
  }
  w.write_header(Status::BadRequest);
}

// set_path_values records each wildcard's unescaped value on r. path is the path the route
// matched, which for a match (never a redirect) is the request's own raw path.
void set_path_values(const Route& route, Request& r, std::string_view path) {
  detail::SegmentUnescaper unescaper;
  for (const detail::Segment& seg : route.pattern.segments) {
    if (seg.kind == detail::SegmentKind::multi) {
      // A named multi gets the whole rest after the slash; a trailing '/' has no name.
      if (!seg.text.empty()) r.set_path_value(seg.text, unescaper.decode(path.empty() ? path : path.substr(1)));
      return;
    }
    detail::PathStep step = detail::next_step(path, false);
    if (seg.kind == detail::SegmentKind::wildcard) {
      r.set_path_value(seg.text, step.escaped ? unescaper.decode(step.segment) : step.segment);
    }
    path = step.rest;
  }
}

}  // namespace

ServeMux::ServeMux() : state_(std::make_shared<State>()) {}
ServeMux::~ServeMux() = default;

void ServeMux::handle(std::string_view pattern, Handler handler, std::source_location where) {
  std::string location = fmt::format("{}:{}", where.file_name(), where.line());
  if (handler.empty()) {
    throw std::invalid_argument(fmt::format("nethttp: ServeMux: nil handler for pattern {} (registered at {})",
                                            detail::quote_pattern(pattern), location));
  }
  detail::Pattern parsed;
  try {
    parsed = detail::parse_pattern(pattern);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("nethttp: ServeMux: parsing {} (registered at {}): {}",
                                            detail::quote_pattern(pattern), location, e.what()));
  }
  for (const auto& existing : state_->routes) {
    if (detail::conflicts(parsed, existing->pattern)) {
      throw std::invalid_argument(fmt::format(
          "nethttp: ServeMux: pattern {} (registered at {}) conflicts with pattern {} (registered at {}):\n{}",
          detail::quote_pattern(parsed.str), location, detail::quote_pattern(existing->pattern.str), existing->location,
          detail::describe_conflict(parsed, existing->pattern)));
    }
  }
  state_->routes.push_back(std::make_unique<Route>(Route{std::move(parsed), std::move(handler), std::move(location)}));
  try {
    state_->tree.add(*state_->routes.back());
  } catch (...) {
    // add() links the route in only as its last step, so on failure nothing points to it.
    state_->routes.pop_back();
    throw;
  }
}

void ServeMux::handle_func(std::string_view pattern, std::function<void(ResponseWriter&, Request&)> fn,
                           std::source_location where) {
  Handler h;
  if (fn) h = Handler(std::move(fn));
  handle(pattern, std::move(h), where);
}

void ServeMux::set_error_writer(ErrorWriter writer) { state_->error_writer = std::move(writer); }

HandlerMatch ServeMux::handler(const Request& r) const {
  Decision d = decide(state_->tree, r);
  switch (d.outcome) {
    case Outcome::match: return {d.route->handler, d.route->pattern.str};
    case Outcome::redirect:
      return {Handler([loc = std::move(d.location)](ResponseWriter& w, Request& req) { write_redirect(w, req, loc); }),
              d.route != nullptr ? d.route->pattern.str : std::string()};
    case Outcome::method_not_allowed:
      return {Handler([allow = std::move(d.allow), state = state_](ResponseWriter& w, Request& req) {
                write_method_not_allowed(w, req, allow, state->error_writer);
              }),
              {}};
    case Outcome::bad_request: return {Handler([](ResponseWriter& w, Request& req) { write_bad_request(w, req); }), {}};
    case Outcome::not_found: break;
  }
  return {Handler([state = state_](ResponseWriter& w, Request& req) { write_not_found(w, req, state->error_writer); }),
          {}};
}

void ServeMux::serve(ResponseWriter& w, Request& r) const {
  Decision d = decide(state_->tree, r);
  switch (d.outcome) {
    case Outcome::match:
      r.set_pattern(d.route->pattern.str);
      set_path_values(*d.route, r, r.method() == "CONNECT" && r.raw_path().empty() ? "/" : r.raw_path());
      d.route->handler.serve(w, r);
      return;
    case Outcome::redirect: write_redirect(w, r, d.location); return;
    case Outcome::method_not_allowed: write_method_not_allowed(w, r, d.allow, state_->error_writer); return;
    case Outcome::bad_request: write_bad_request(w, r); return;
    case Outcome::not_found: write_not_found(w, r, state_->error_writer); return;
  }
}

bool ServeMux::streams(const Request& r) const {
  Decision d = decide(state_->tree, r);
  return d.outcome == Outcome::match && d.route->handler.streams(r);
}

}  // namespace nethttp
