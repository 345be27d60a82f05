#include "nethttp/request.hpp"

#include "core/escape.hpp"

namespace nethttp {

namespace {
bool starts_with_scheme(std::string_view t, std::size_t& authority_start) noexcept {
  // RFC 3986 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://".
  std::size_t colon = t.find("://");
  if (colon == std::string_view::npos || colon == 0) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    char c = t[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) return false;
  }
  authority_start = colon + 3;
  return true;
}
}  // namespace

bool percent_decode(std::string_view s, std::string& out, bool plus_as_space) {
  out.clear();
  return detail::append_percent_decoded(out, s, plus_as_space);
}

Request::Request(std::string_view method, std::string_view target, std::string_view body)
    : method_(method), body_(body) {
  set_target(target);
}

void Request::set_authority_target(std::string_view authority) {
  target_.assign(authority);
  host_.assign(authority);
  path_.clear();
  raw_path_.clear();
  raw_query_.clear();
}

bool Request::set_target(std::string_view target) {
  std::string_view rest = target;
  std::string_view authority;
  std::size_t authority_start = 0;
  if (target == "*") {
    target_.assign(target);
    path_.assign("*");
    raw_path_.assign("*");
    raw_query_.clear();
    return true;
  }
  if (!rest.empty() && rest.front() != '/') {
    if (!starts_with_scheme(rest, authority_start)) return false;
    rest.remove_prefix(authority_start);
    std::size_t end = rest.find_first_of("/?#");
    authority = rest.substr(0, end);
    if (authority.empty()) return false;
    rest = end == std::string_view::npos ? std::string_view("/") : rest.substr(end);
    if (rest.front() != '/') {
      // "http://host?x": the path is "/" and what follows is the query.
      static constexpr std::string_view kRoot = "/";
      std::string_view q = rest;
      target_.assign(target);
      path_.assign(kRoot);
      raw_path_.assign(kRoot);
      std::size_t hash = q.find('#');
      q = q.substr(0, hash);
      raw_query_.assign(q.empty() ? q : q.substr(1));
      host_.assign(authority);
      return true;
    }
  }
  if (rest.empty() || rest.front() != '/') return false;
  std::size_t hash = rest.find('#');  // a fragment is never sent, but tolerate and drop it
  rest = rest.substr(0, hash);
  std::size_t q = rest.find('?');
  std::string_view raw_path = rest.substr(0, q);
  std::string_view raw_query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
  // Decode into a per-thread scratch buffer: a local string would allocate for every
  // request whose path outgrows the small-string buffer (this runs once per request).
  thread_local std::string decoded;
  decoded.clear();
  if (!detail::append_percent_decoded(decoded, raw_path) || decoded.find('\0') != std::string::npos) return false;
  target_.assign(target);
  path_.assign(decoded);
  raw_path_.assign(raw_path);
  raw_query_.assign(raw_query);
  if (!authority.empty()) host_.assign(authority);
  return true;
}

void Request::set_path(std::string_view path, std::string_view raw_path) {
  path_.assign(path);
  raw_path_.assign(raw_path);
}

QueryParams Request::query() const {
  QueryParams out;
  std::string_view rest = raw_query_;
  std::string name, value;
  detail::QueryPair pair;
  while (detail::next_query_pair(rest, pair)) {
    // Like Go's ParseQuery, skip pairs that do not decode instead of failing the request.
    if (!percent_decode(pair.name, name, true) || !percent_decode(pair.value, value, true)) continue;
    out.emplace_back(name, value);
  }
  return out;
}

std::string Request::query_value(std::string_view name) const {
  for (auto& [n, v] : query()) {
    if (n == name) return v;
  }
  return {};
}

std::string_view Request::path_value(std::string_view name) const noexcept {
  for (HeaderField f : path_values_) {
    if (f.name == name) return f.value;
  }
  return {};
}

void Request::set_path_value(std::string_view name, std::string_view value) {
  bool present = false;
  for (HeaderField f : path_values_) {
    if (f.name == name) {
      present = true;
      break;
    }
  }
  if (present) {
    // Rare (a middleware overriding the router): rebuild without the old entry.
    Headers copy;
    for (HeaderField f : path_values_) {
      if (f.name != name) copy.add(f.name, f.value);
    }
    path_values_ = std::move(copy);
  }
  path_values_.add(name, value);
}

void Request::reset() noexcept {
  method_.clear();
  target_.clear();
  path_.clear();
  raw_path_.clear();
  raw_query_.clear();
  host_.clear();
  body_.clear();
  pattern_.clear();
  version_ = {};
  headers_.clear();
  path_values_.clear();
  form_.clear();
  post_form_.clear();
  form_state_ = 0;
  values_.clear();
  stream_.target = nullptr;
  // remote_addr_ belongs to the connection and stays.
}

}  // namespace nethttp
