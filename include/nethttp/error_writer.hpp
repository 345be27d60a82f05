#pragma once
/// \file error_writer.hpp
/// ErrorWriter: one hook for the bodies of the error responses the library writes itself,
/// so that a JSON API can answer JSON everywhere.

#include <functional>
#include <string_view>

#include "nethttp/request.hpp"
#include "nethttp/response_writer.hpp"

namespace nethttp {

/// ErrorWriter writes an error response that the library generates itself: ServeMux's 404
/// and 405 (ServeMux::set_error_writer) and the server's answers to requests it rejects
/// before any handler runs: 400, 408, 413, 414, 417, 431, 501, 505 (ServerConfig::error_writer).
///
/// It is called with the status and the default text body, message, which names the
/// status and, for protocol errors, the reason, as Go does: "404 page not found",
/// "400 Bad Request: missing required Host header", "413 Content Too Large: request
/// body too large". It should set its headers, then call w.write_header(status) and write
/// a body. Headers already set are kept (a 405's Allow, a protocol error's
/// `Connection: close`); write the given status, since the server closes the connection
/// after a protocol error whatever the writer does. For a protocol error, r holds only what
/// was parsed before the error (method, target and headers may be empty).
///
/// If the writer writes no status, the default text body is sent. A writer that throws
/// from a protocol error is logged and replaced by the default when nothing was sent yet;
/// from ServeMux, the exception propagates like any handler's. Called on the loop threads,
/// concurrently: it must be thread-safe and must not block.
using ErrorWriter = std::function<void(ResponseWriter& w, const Request& r, int status, std::string_view message)>;

/// text_error_writer returns the default ErrorWriter: error(w, message, status), plain text.
ErrorWriter text_error_writer();

/// json_error_writer returns an ErrorWriter that answers `{"error":"<message>"}` as
/// application/json (json_error() in json_writer.hpp).
ErrorWriter json_error_writer();

/// write_error_with answers an error with writer: writer(w, r, status, message) when it is
/// set, then error(w, message, status) if it wrote no status. What the writer throws
/// propagates.
void write_error_with(const ErrorWriter& writer, ResponseWriter& w, const Request& r, int status,
                      std::string_view message);

}  // namespace nethttp
