#pragma once
/// \file request.hpp
/// Request: one parsed HTTP request (Go: http.Request).

#include <any>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "nethttp/cookie.hpp"
#include "nethttp/form.hpp"
#include "nethttp/headers.hpp"
#include "nethttp/tls.hpp"

namespace nethttp {

class BodyReader;
namespace detail {
class BodyStreamTarget;
}  // namespace detail

/// HttpVersion is the protocol version of a request, e.g. {1, 1}.
struct HttpVersion {
  int major = 1;  ///< the digit before the dot
  int minor = 1;  ///< the digit after the dot
  /// Versions compare equal when both digits match.
  friend bool operator==(HttpVersion, HttpVersion) = default;
};

/// QueryParams is the decoded query string, one pair per `name=value`, in order.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// ContextKey names one typed per-request value (Go: a context key for Context.Value). A
/// key is identified by its address, so define each one once, at namespace scope:
///
///     inline const nethttp::ContextKey<User> kUser{"user"};
///     r.set_value(kUser, User{...});            // in a middleware
///     if (const User* u = r.value(kUser)) ...   // in the handler
///
/// Two keys never collide, even with the same name and type; name() only helps debugging.
/// Keys are immutable and may be used from every thread.
template <class T>
class ContextKey {
 public:
  static_assert(std::is_copy_constructible_v<T> && std::is_same_v<T, std::decay_t<T>>,
                "ContextKey<T>: T must be a copyable value type (a Request is copyable)");
  /// ContextKey makes a key; name should be a string literal.
  constexpr explicit ContextKey(std::string_view name) noexcept : name_(name) {}
  ContextKey(const ContextKey&) = delete;
  ContextKey& operator=(const ContextKey&) = delete;
  /// name is the name given at construction.
  [[nodiscard]] constexpr std::string_view name() const noexcept { return name_; }

 private:
  std::string_view name_;
};

/// Request is one HTTP request as the server parsed it, or as a test built it.
///
/// A Request handed to a handler belongs to the connection and is reused for the next
/// request on it: it is valid until the handler returns. A handler that defers its response
/// and needs the request later must copy it (Request is a regular value type; a copy owns
/// its strings). Not thread-safe.
class Request {
 public:
  Request() = default;
  /// Request builds a request for tests and client-free calls: method, a request-target in
  /// origin-form ("/a/b?x=1") or absolute-form, and a body. An invalid target leaves path()
  /// empty; use set_target() to see the result.
  Request(std::string_view method, std::string_view target, std::string_view body = {});

  /// method is the request method exactly as sent ("GET").
  [[nodiscard]] std::string_view method() const noexcept { return method_; }
  /// target is the request-target exactly as sent ("/a%20b?x=1").
  [[nodiscard]] std::string_view target() const noexcept { return target_; }
  /// path is the percent-decoded path ("/a b"). Go: URL.Path.
  [[nodiscard]] std::string_view path() const noexcept { return path_; }
  /// raw_path is the path as sent, still percent-encoded ("/a%20b"). Go: URL.EscapedPath().
  [[nodiscard]] std::string_view raw_path() const noexcept { return raw_path_; }
  /// raw_query is the query without the '?' and still encoded ("x=1"). Go: URL.RawQuery.
  [[nodiscard]] std::string_view raw_query() const noexcept { return raw_query_; }
  /// query parses raw_query(): '+' becomes a space and %XX is decoded. Allocates.
  [[nodiscard]] QueryParams query() const;
  /// query_value returns the first decoded value of name in the query, or "".
  [[nodiscard]] std::string query_value(std::string_view name) const;
  /// host is the authority the request was sent to: the absolute-form target's authority if
  /// present, else the Host header (port included, as sent).
  [[nodiscard]] std::string_view host() const noexcept { return host_; }
  /// version is the HTTP version of the request line.
  [[nodiscard]] HttpVersion version() const noexcept { return version_; }
  /// @{ headers holds the request header fields (mutable for middleware and tests).
  [[nodiscard]] const Headers& headers() const noexcept { return headers_; }
  [[nodiscard]] Headers& headers() noexcept { return headers_; }
  /// @}
  /// header returns the first value of header name, or "".
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept { return headers_.get(name); }
  /// body is the whole request body (the server reads it before calling the handler,
  /// up to ServerConfig::max_body_bytes; chunked bodies arrive already de-chunked). Empty
  /// when the body is streamed instead (body_streaming()).
  [[nodiscard]] std::string_view body() const noexcept { return body_; }
  /// body_streaming is true when the handler was called at header time and the body is
  /// still to be read through body_reader() (a handler wrapped in streaming(), see
  /// body_reader.hpp). A copy of the request never streams.
  [[nodiscard]] bool body_streaming() const noexcept { return stream_.target != nullptr; }
  /// body_reader returns the reader of a streamed body (body_streaming()); an empty reader
  /// otherwise. Loop thread, during the handler.
  [[nodiscard]] BodyReader body_reader() const;
  /// set_body_limit lowers (or raises) the most bytes a streamed body may have, for
  /// middleware such as max_bytes(); does nothing when the body is not streamed.
  void set_body_limit(std::uint64_t n) const noexcept;
  /// set_body_stream is for the server: it attaches the stream body_reader() returns.
  void set_body_stream(detail::BodyStreamTarget* target) noexcept { stream_.target = target; }
  /// remote_addr is the peer's address as "ip:port" ("[::1]:5555" for IPv6).
  [[nodiscard]] std::string_view remote_addr() const noexcept { return remote_addr_; }
  /// tls describes the connection's TLS session (version, cipher, SNI name, ALPN,
  /// resumption), or is null for a cleartext connection. Go: Request.TLS. The pointer is
  /// valid for the request's life.
  [[nodiscard]] const TlsInfo* tls() const noexcept { return tls_; }

  /// path_value returns the value the router matched for wildcard name ({name} or
  /// {name...}) in the pattern, percent-decoded; "" when there is none. Go: PathValue.
  [[nodiscard]] std::string_view path_value(std::string_view name) const noexcept;
  /// set_path_value records a wildcard value; the router calls it. Go: SetPathValue.
  void set_path_value(std::string_view name, std::string_view value);
  /// pattern is the ServeMux pattern that matched this request ("" if none). Go: Request.Pattern.
  [[nodiscard]] std::string_view pattern() const noexcept { return pattern_; }
  /// set_pattern records the matched pattern; the router calls it.
  void set_pattern(std::string_view p) { pattern_.assign(p); }

  // Setters, used by the server while parsing, by tests, and by middleware that passes a
  // modified copy on (strip_prefix).
  /// set_method sets method().
  void set_method(std::string_view m) { method_.assign(m); }
  /// set_target parses an origin-form or absolute-form target into path, raw_path,
  /// raw_query (and host for absolute-form). Returns false, leaving the request unchanged,
  /// when the target is not a valid request-target or its path does not decode
  /// (bad %XX escape, or a decoded NUL).
  bool set_target(std::string_view target);
  /// set_authority_target sets an authority-form target (a CONNECT request's "host:port",
  /// RFC 9112 3.2.3): target() and host() become authority; path(), raw_path() and
  /// raw_query() are empty (Go: a CONNECT request's URL has only a Host). The server checks
  /// the form before calling it.
  void set_authority_target(std::string_view authority);
  /// set_path sets path() and raw_path() directly (strip_prefix uses it).
  void set_path(std::string_view path, std::string_view raw_path);
  /// set_host sets host().
  void set_host(std::string_view h) { host_.assign(h); }
  /// set_version sets version().
  void set_version(HttpVersion v) noexcept { version_ = v; }
  /// set_body replaces body() with a copy of b.
  void set_body(std::string_view b) {
    body_.assign(b);
    form_state_ = 0;  // a new body must be parsed again
  }
  /// mutable_body gives the parser (and body-rewriting middleware) the body storage.
  std::string& mutable_body() noexcept { return body_; }
  /// set_remote_addr sets remote_addr().
  void set_remote_addr(std::string_view a) { remote_addr_.assign(a); }
  /// set_tls sets tls() (the connection does, like remote_addr; reset() keeps it).
  void set_tls(const TlsInfo* info) noexcept { tls_ = info; }

  // ---- Forms (form.hpp) -------------------------------------------------------------------
  /// parse_form fills form() and post_form() (Go: ParseForm). For a POST, PUT or PATCH whose
  /// Content-Type is application/x-www-form-urlencoded, the body's pairs go to post_form();
  /// form() holds those followed by the query's. Other bodies are left alone. The first call
  /// parses and later ones return its result, whatever limits they pass. On too_large or
  /// too_many_fields both are left empty; on malformed the pairs that decoded are kept.
  /// Answer a failure with `error(w, form_error_message(e), status_for(e))` (400 or 413).
  FormError parse_form(FormLimits limits = {});
  /// form returns the query and form-body values, calling parse_form() first if needed (Go:
  /// Request.Form). Valid until the request is reset.
  const FormValues& form();
  /// post_form returns the form-body values only, calling parse_form() first if needed (Go:
  /// Request.PostForm).
  const FormValues& post_form();
  /// form_value returns the first value of name in form(), or "" (Go: FormValue). Parse
  /// errors are ignored here, as in Go; call parse_form() to see them.
  std::string_view form_value(std::string_view name);
  /// post_form_value returns the first value of name in post_form(), or "" (Go: PostFormValue).
  std::string_view post_form_value(std::string_view name);

  // ---- Cookies (cookie.hpp) ---------------------------------------------------------------
  /// cookies returns every well-formed name=value pair of the Cookie header(s), in order (Go:
  /// Request.Cookies). Malformed pairs are skipped. The views point into headers().
  [[nodiscard]] std::vector<CookiePair> cookies() const;
  /// cookie returns the value of the first cookie called name, unquoted, or nullopt (Go:
  /// Request.Cookie; ErrNoCookie is nullopt). The view points into headers().
  [[nodiscard]] std::optional<std::string_view> cookie(std::string_view name) const;

  // ---- Per-request values (Go: Context().Value) ----------------------------------------
  /// set_value attaches value under key, replacing an earlier one; middleware uses it to
  /// hand data (the authenticated user, the request id) to inner handlers. Values live until
  /// the request ends: the server clears them before the next request on the connection.
  /// A request that never calls it allocates nothing for them.
  template <class T>
  void set_value(const ContextKey<T>& key, T v) {
    for (auto& entry : values_) {
      if (entry.first == &key) {
        entry.second = std::move(v);
        return;
      }
    }
    values_.emplace_back(&key, std::any(std::move(v)));
  }
  /// value returns the value attached under key, or null. The pointer is valid until the
  /// value is replaced or the request ends.
  template <class T>
  [[nodiscard]] const T* value(const ContextKey<T>& key) const noexcept {
    for (const auto& entry : values_) {
      if (entry.first == &key) return std::any_cast<T>(&entry.second);
    }
    return nullptr;
  }

  /// reset empties every field but keeps the memory, so a connection can reuse one Request
  /// for each request without allocating.
  void reset() noexcept;

 private:
  std::string method_;
  std::string target_;
  std::string path_;
  std::string raw_path_;
  std::string raw_query_;
  std::string host_;
  std::string body_;
  std::string remote_addr_;
  const TlsInfo* tls_ = nullptr;  // owned by the connection
  std::string pattern_;
  HttpVersion version_;
  Headers headers_;
  Headers path_values_;                                   // names compared exactly by path_value(), values decoded
  FormValues form_;                                       // parse_form(): the body's pairs, then the query's
  FormValues post_form_;                                  // parse_form(): the body's pairs
  unsigned char form_state_ = 0;                          // 0: not parsed; else 1 + the FormError of the parse
  std::vector<std::pair<const void*, std::any>> values_;  // set_value(): key address, value
  // StreamRef is the connection's streamed body, if any; a copy of the request gets none.
  struct StreamRef {
    detail::BodyStreamTarget* target = nullptr;
    StreamRef() = default;
    StreamRef(const StreamRef&) noexcept {}
    StreamRef& operator=(const StreamRef&) noexcept {  // NOLINT(bugprone-unhandled-self-assignment): stays empty
      target = nullptr;
      return *this;
    }
  };
  StreamRef stream_;
};

/// percent_decode decodes %XX escapes in s into out (out is cleared first). When
/// plus_as_space is set, '+' becomes ' ' (query strings). Returns false on a malformed
/// escape ("%zz", "%4", a final "%"), and out is then left empty.
bool percent_decode(std::string_view s, std::string& out, bool plus_as_space = false);

}  // namespace nethttp
