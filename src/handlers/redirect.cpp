// redirect (Go: http.Redirect and http.RedirectHandler).

#include <string>

#include "core/escape.hpp"
#include "core/url_path.hpp"
#include "nethttp/helpers.hpp"

namespace nethttp {

namespace {

// resolve makes a relative url absolute against the request path and cleans it, keeping a
// trailing slash and the query, as Go's Redirect does.
std::string resolve(std::string_view url, std::string_view request_path) {
  if (detail::has_scheme_or_host(url)) return std::string(url);
  std::string target;
  if (url.empty() || url.front() != '/') {
    std::string_view old = request_path.empty() ? std::string_view("/") : request_path;
    target.assign(old.substr(0, old.rfind('/') + 1));  // the directory, with its slash
  }
  target.append(url);
  std::string query;
  if (std::size_t q = target.find('?'); q != std::string::npos) {
    query = target.substr(q);
    target.resize(q);
  }
  const bool trailing = !target.empty() && target.back() == '/';
  std::string cleaned = detail::clean_path(target);
  if (trailing && cleaned.back() != '/') cleaned.push_back('/');
  return cleaned + query;
}

}  // namespace

void redirect(ResponseWriter& w, const Request& r, std::string_view url, int code) {
  std::string location = detail::escape_redirect_location(resolve(url, r.path()));
  Headers& h = w.headers();
  const bool had_type = h.has("Content-Type");
  const bool get = r.method() == "GET";
  h.set("Location", location);
  if (!had_type && (get || r.method() == "HEAD")) h.set("Content-Type", "text/html; charset=utf-8");
  w.write_header(code);
  // Go sends a body only for GET: a POST's client will not show it, a HEAD cannot have one.
  if (!had_type && get) {
    std::string body =
        "<a href=\"" + detail::escape_html(location) + "\">" + std::string(status_text(code)) + "</a>.\n\n";
    w.write(body);
  }
}

Handler redirect(std::string url, int code) {
  return [url = std::move(url), code](ResponseWriter& w, Request& r) { redirect(w, r, url, code); };
}

}  // namespace nethttp
