#pragma once
/// \file helpers.hpp
/// Handler helpers with Go's names: strip_prefix, not_found, redirect, timeout_handler,
/// max_bytes, and offload (blocking handlers on a WorkerPool); plus https_redirect.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/handler.hpp"
#include "nethttp/worker_pool.hpp"

namespace nethttp {

/// strip_prefix serves each request by removing prefix from its path and raw path and
/// calling next with a modified copy of the request; the caller's request is untouched
/// (Go: http.StripPrefix). prefix is in decoded form ("/static"); the raw path loses the
/// bytes that decode to it, so "/a%20b/x" under prefix "/a b" reaches next as "/x". A
/// request whose path does not start with prefix gets 404 and next is not called.
Handler strip_prefix(std::string prefix, Handler next);

/// not_found returns a Handler that answers every request with 404 "404 page not found"
/// (Go: http.NotFoundHandler).
Handler not_found();

/// redirect writes a redirect to url with code (3xx) to w (Go: http.Redirect). A url
/// without scheme or host is made absolute against r.path() ("b" from "/a/c" is "/a/b"),
/// cleaned (".." and "." resolved, a trailing slash kept), and its query kept. Non-ASCII
/// and control bytes in the Location value are percent-escaped. GET and HEAD answers get
/// `Content-Type: text/html` unless one was set; GET answers also get a short HTML body
/// linking to the target.
void redirect(ResponseWriter& w, const Request& r, std::string_view url, int code);
/// redirect with a Status enumerator: `redirect(w, r, "/new", Status::Found)`.
inline void redirect(ResponseWriter& w, const Request& r, std::string_view url, Status code) {
  redirect(w, r, url, to_int(code));
}

/// redirect returns a Handler that redirects every request to url with code, as the
/// function above does (Go: http.RedirectHandler).
Handler redirect(std::string url, int code);
/// redirect with a Status enumerator, as a Handler.
inline Handler redirect(std::string url, Status code) { return redirect(std::move(url), to_int(code)); }

/// https_redirect returns a Handler for a cleartext listener that sends every request to
/// the same URL over HTTPS: https://HOST[:tls_port]/raw-path?raw-query, HOST being the
/// request's host() without its port, and ":tls_port" left out when it is 443. GET and HEAD
/// get 301 Moved Permanently (what nginx's usual `return 301 https://$host$request_uri`
/// sends, and what every client follows); other methods get 308 Permanent Redirect, so the
/// client repeats the same method with its body instead of turning a POST into a GET (Caddy
/// answers 308 to everything; some old clients and middleboxes mishandle 308 on GET, hence
/// 301 there). A request without a Host (HTTP/1.0), or one whose host is not a DNS name, an
/// IPv4 address or a bracketed IPv6 address, gets 400: there is nowhere safe to send it.
/// The handler keeps no state and may run on any loop.
Handler https_redirect(std::uint16_t tls_port = 443);

/// timeout_handler bounds how long h may take to finish a deferred response (Go:
/// http.TimeoutHandler). When h calls defer(), the deadline dt is armed on the returned
/// DeferredResponse: if the response is still open then, the client gets 503 with msg as a
/// text/plain body (Go's HTML "Timeout" page when msg is empty), and whatever h completes
/// later is discarded safely (the completion is a no-op). A handler that answers before
/// returning is passed through unchanged: it runs on the loop and cannot be interrupted.
/// If h already streamed part of its answer with update() when the deadline passes, a 503 is
/// no longer possible: the timeout callback throws, so the server logs it and closes the
/// connection rather than end a truncated body as if it were complete.
Handler timeout_handler(Handler h, std::chrono::milliseconds dt, std::string msg = {});

/// max_bytes answers 413 without calling h when the request body is longer than n bytes
/// (Go: http.MaxBytesHandler). The server reads a buffered body before calling handlers, so
/// this is a per-route limit below ServerConfig::max_body_bytes. When h streams the body
/// (streaming(), body_reader.hpp), max_bytes streams too and sets the reader's limit to n
/// instead: the body is refused mid-stream (or at the first read, by its Content-Length).
Handler max_bytes(Handler h, std::size_t n);

/// offload runs the blocking handler h on pool instead of the event loop. The loop thread
/// copies the request, defers the response and queues the work; a worker then calls h with
/// the copy and a writer that buffers the status, headers, body and any send_file() ranges,
/// and the buffered response is completed on the owning loop (DeferredResponse::complete).
/// A client that left meanwhile makes the completion a no-op; work whose client left before
/// a worker took it is skipped.
///
/// When the pool's queue is full (or the pool is stopping) the request gets 503 at once and
/// h is not called; the queue never grows past its bound. If h throws, the client gets 500
/// and the exception is logged through the pool's logger. Inside h, flush() only marks the
/// point (the buffered answer is sent when h returns), on_finish() callbacks run on the
/// loop thread when the real response finishes, and defer() throws std::logic_error (which
/// becomes a 500): a blocking handler has no use for it. The pool must stay alive as long
/// as the returned Handler; holding it by shared_ptr ensures that.
Handler offload(std::shared_ptr<WorkerPool> pool, Handler h);

}  // namespace nethttp
