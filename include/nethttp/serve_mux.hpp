#pragma once
/// \file serve_mux.hpp
/// ServeMux: the request router, with Go 1.22's pattern syntax and precedence rules
/// (Go: http.ServeMux).

#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>

#include "nethttp/error_writer.hpp"
#include "nethttp/handler.hpp"
#include "nethttp/request.hpp"
#include "nethttp/response_writer.hpp"

namespace nethttp {

/// HandlerMatch is what ServeMux::handler() reports for a request: the Handler that would
/// serve it and the pattern behind it.
struct HandlerMatch {
  /// handler is never empty: a registered handler, or one the mux made up to answer with a
  /// redirect (301), 405 or 404.
  Handler handler;
  /// pattern is the registered pattern that matches, exactly as registered ("GET /items/{id}").
  /// For a redirect it is the pattern that will match once the client follows it. It is ""
  /// for 404 and 405.
  std::string pattern;
};

/// ServeMux is an HTTP request router. It matches the method, host and path of each request
/// against the registered patterns and calls the handler of the most specific one that
/// matches. A ServeMux is itself a Handler (it has serve()), so muxes nest and middleware
/// wraps them like any other handler.
///
/// # Patterns
///
/// A pattern looks like `[METHOD ][HOST]/[PATH]`. All three parts are optional, so "/" is a
/// valid pattern; a method is followed by one or more spaces or tabs. Some examples:
///
///   - "/index.html" matches the path "/index.html" for any host and method.
///   - "GET /static/" matches a GET or HEAD request whose path begins with "/static/".
///   - "example.com/" matches any request to the host "example.com".
///   - "example.com/{$}" matches requests with host "example.com" and path "/".
///   - "/b/{bucket}/o/{objectname...}" matches paths whose first segment is "b" and whose
///     third is "o". "bucket" names the second segment and "objectname" the rest of the path.
///
/// Literal parts match case-sensitively. A pattern without a method matches every method;
/// "GET" matches GET and HEAD; any other method must match exactly (and case-sensitively).
/// A pattern without a host matches every host; a pattern with a host matches only requests
/// whose Host (the absolute-form target's authority, else the Host header), without its
/// port, is that host. Unlike Go, host names compare case-insensitively, as RFC 3986 says.
///
/// A path segment may be a wildcard, `{NAME}` or `{NAME...}`. NAME is an identifier of
/// ASCII letters, digits and '_' not starting with a digit (Go also allows non-ASCII
/// letters), and the names in one pattern are distinct. A wildcard is a whole segment:
/// "/b_{bucket}" is invalid. `{NAME}` matches exactly one segment, ending at the next
/// literal '/' (not "%2F"); `{NAME...}` matches the rest of the path, slashes included, and
/// must be last. Handlers read a wildcard's value with `r.path_value("NAME")`. A trailing
/// slash acts as an anonymous `{...}`: "/images/" matches "/images/" and everything below.
/// The special wildcard `{$}` matches only the end of the path, after a trailing slash:
/// "/{$}" matches only "/", whereas "/" matches every path.
///
/// Pattern paths and request paths are unescaped segment by segment for matching, so
/// "/a%2Fb/100%25" has the two segments "a/b" and "100%"; the pattern "/a%2fb/" matches it
/// and "/a/b/" does not. Wildcard values are unescaped the same way: for "/files/{name}",
/// the path "/files/a%2Fb" gives path_value("name") == "a/b". A `{NAME...}` value is the
/// whole rest unescaped ("x/y%2Fz" gives "x/y/z").
///
/// # Precedence
///
/// When several patterns match a request, the most specific one wins. P1 is more specific
/// than P2 if P1 matches a strict subset of P2's requests. If neither is more specific, the
/// patterns conflict, and handle() rejects the second one. There is one exception, kept
/// for compatibility: when one of two otherwise conflicting patterns has a host and the
/// other has none, the one with the host wins. Some consequences:
///
///   - "/images/thumbnails/" is more specific than "/images/", so both may be registered;
///     the first serves "/images/thumbnails/..." and the second the rest of "/images/".
///   - "/posts/latest" is more specific than "/posts/{id}", which is more specific than
///     "/posts/", so all three may be registered: "/posts/latest" gets that path,
///     "/posts/17" goes to "/posts/{id}", and "/posts/17/comments" to "/posts/".
///   - "GET /" and "/" may both be registered: GET and HEAD go to the first, every other
///     method to the second.
///   - "GET /" and "/index.html" conflict: both match GET /index.html, but the first also
///     matches every other GET path and the second every other method.
///   - "GET /posts/{id}" and "/posts/latest" conflict the same way (fewer methods, more paths).
///   - "/posts/{id}" and "/{resource}/latest" conflict: both match "/posts/latest", but
///     each matches paths the other does not ("/posts/x", "/x/latest").
///   - "example.com/{x}" and "/{x}" do not conflict: for Host example.com the first wins.
///
/// # Trailing-slash redirection
///
/// For a subtree registered with a trailing slash or a `{...}` wildcard, a request for the
/// subtree root without the slash is redirected (301) to the path with it, query kept:
/// with "/images/" registered, "/images?s=1" is redirected to "/images/?s=1", unless
/// "/images" is registered too. The redirect also happens when only "/images/{$}" or
/// "/images/{rest...}" is registered.
///
/// # Request sanitizing
///
/// Paths are cleaned before matching: a request whose path contains "." or ".." segments or
/// repeated slashes is redirected (301) to the clean path, query kept ("/a/./b//c?x=1" to
/// "/a/b/c?x=1"; "/../a" to "/a"), and so is an absolute-form target without a path
/// ("GET http://example.com?x=1" to "/?x=1"), as Go does. Escaped dots and slashes ("%2e", "%2F") are ordinary
/// bytes of a segment, not separators. The port is dropped from the host before matching.
/// CONNECT requests are matched with their path and host as they are, except that the
/// trailing-slash redirect still applies. The request-target "*" (as in `OPTIONS *`) is
/// answered 400 with `Connection: close`.
///
/// # Outcomes
///
/// A request that matches gets `r.set_pattern(pattern)` and `r.set_path_value(name, value)`
/// for each wildcard, then its handler runs. Otherwise: a path that some pattern would match
/// with another method gets 405 "Method Not Allowed" with an `Allow` header listing those
/// methods sorted (HEAD included when GET is); any other request gets 404
/// "404 page not found". Both bodies are written with error(), or by the writer given to
/// set_error_writer(). Redirects come first: a
/// request that would be redirected is redirected whatever its method.
///
/// # Lifetime and threads
///
/// ServeMux has reference semantics: copies share one route table, so routes registered
/// through any copy are seen by all (including the copy inside a Handler or a Server built
/// from it). Register every route before the server starts serving: handle() is not
/// thread-safe and must not run while any thread may be matching, because matching takes
/// no lock (it is read concurrently from every loop thread). After registration, handler()
/// and serve() are safe to call from any number of threads at once. A lookup walks an index
/// (host, then method, then path segments), never the list of routes, and does not allocate
/// for a matched request beyond what Request keeps for path values.
class ServeMux {
 public:
  /// ServeMux creates an empty router: every request gets 404 until routes are added.
  ServeMux();
  /// Copies share the route table (reference semantics). There is deliberately no move
  /// constructor: moving copies, so a ServeMux is never left without a table.
  /// @{
  ServeMux(const ServeMux&) = default;
  ServeMux& operator=(const ServeMux&) = default;
  /// @}
  ~ServeMux();

  /// handle registers handler for pattern. Throws std::invalid_argument, registering
  /// nothing, when handler is empty, when the pattern is invalid (the message gives the
  /// offset and the reason, e.g. `bad wildcard name "1x"`), or when it conflicts with a
  /// registered pattern (the message names both patterns, where each was registered, and
  /// example paths showing the overlap). where defaults to the caller's location. Not
  /// thread-safe; see the class comment.
  void handle(std::string_view pattern, Handler handler, std::source_location where = std::source_location::current());

  /// handle_func registers a plain function or lambda for pattern; otherwise the same as
  /// handle() (Go: HandleFunc). An empty fn is rejected.
  void handle_func(std::string_view pattern, std::function<void(ResponseWriter&, Request&)> fn,
                   std::source_location where = std::source_location::current());

  /// set_error_writer makes writer answer this mux's 404 ("404 page not found") and 405
  /// ("Method Not Allowed", after the Allow header is set) instead of the plain-text
  /// error(); json_error_writer() makes them JSON. An empty writer restores the default.
  /// Shared by every copy, like the routes; not thread-safe: call it before serving.
  void set_error_writer(ErrorWriter writer);

  /// handler reports what serve() would do with r without doing it: the Handler and the
  /// pattern (see HandlerMatch). It does not set path values on r, so a registered handler
  /// called through it sees none. Safe to call concurrently once registration is done.
  [[nodiscard]] HandlerMatch handler(const Request& r) const;

  /// serve routes r: it sets the pattern and path values on r and calls the matching
  /// handler, or answers 301, 400, 404 or 405 itself (see the class comment). Runs on the
  /// calling loop thread; safe to call concurrently once registration is done.
  void serve(ResponseWriter& w, Request& r) const;

  /// streams reports whether the handler r would be routed to takes its body as a stream
  /// (Handler::streams; register it wrapped in streaming()). Redirects, 404 and 405 never
  /// stream. Safe to call concurrently once registration is done.
  [[nodiscard]] bool streams(const Request& r) const;

 private:
  struct State;
  std::shared_ptr<State> state_;  // never null; shared by every copy
};

}  // namespace nethttp
