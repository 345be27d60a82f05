#pragma once
/// \file error.hpp
/// Error: the protocol errors a connection can hit, and the status each one answers with.

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace nethttp {

/// Error is a request-level protocol failure. Each maps to the status the client gets
/// (status_for) before the connection is closed.
enum class Error {
  Ok = 0,
  BadRequest,                   ///< malformed request: 400
  HeaderTimeout,                ///< header not complete in read_header_timeout: 408
  ReadTimeout,                  ///< request not complete in read_timeout: 408
  BodyTooLarge,                 ///< body over max_body_bytes: 413
  UriTooLong,                   ///< target over max_uri_bytes: 414
  HeadersTooLarge,              ///< header section over max_header_bytes: 431
  ExpectationFailed,            ///< an Expect other than 100-continue: 417
  UnsupportedTransferEncoding,  ///< a transfer coding other than chunked: 501
  VersionNotSupported,          ///< not HTTP/1.x: 505
};

/// status_for returns the HTTP status that answers e.
int status_for(Error e) noexcept;

/// error_text returns the text body the server sends for e, as Go writes it: the status,
/// its reason phrase and why, "400 Bad Request: missing required Host header". reason is
/// the specific cause when known; when empty, e's message is used ("request body too large").
std::string error_text(Error e, std::string_view reason = {});

/// http_error_category is the std::error_category of Error.
const std::error_category& http_error_category() noexcept;

/// make_error_code lets an Error convert to std::error_code (`ec == Error::HeaderTimeout`).
inline std::error_code make_error_code(Error e) noexcept { return {static_cast<int>(e), http_error_category()}; }

}  // namespace nethttp

/// \cond
template <>
struct std::is_error_code_enum<nethttp::Error> : std::true_type {};
/// \endcond
