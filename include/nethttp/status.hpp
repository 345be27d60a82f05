#pragma once
/// \file status.hpp
/// HTTP status codes with Go's names, and their reason phrases.

#include <string_view>

namespace nethttp {

/// Status names the HTTP status codes of RFC 9110 (Go: http.StatusOK and friends).
/// ResponseWriter::write_header takes a Status or a plain int.
enum class Status : int {
  Continue = 100,
  SwitchingProtocols = 101,
  OK = 200,
  Created = 201,
  Accepted = 202,
  NoContent = 204,
  PartialContent = 206,
  MovedPermanently = 301,
  Found = 302,
  SeeOther = 303,
  NotModified = 304,
  TemporaryRedirect = 307,
  PermanentRedirect = 308,
  BadRequest = 400,
  Unauthorized = 401,
  Forbidden = 403,
  NotFound = 404,
  MethodNotAllowed = 405,
  NotAcceptable = 406,
  RequestTimeout = 408,
  Conflict = 409,
  Gone = 410,
  LengthRequired = 411,
  PreconditionFailed = 412,
  ContentTooLarge = 413,
  URITooLong = 414,
  UnsupportedMediaType = 415,
  RangeNotSatisfiable = 416,
  ExpectationFailed = 417,
  UnprocessableContent = 422,
  TooManyRequests = 429,
  RequestHeaderFieldsTooLarge = 431,
  InternalServerError = 500,
  NotImplemented = 501,
  BadGateway = 502,
  ServiceUnavailable = 503,
  GatewayTimeout = 504,
  HTTPVersionNotSupported = 505,
};

/// status_text returns the reason phrase for code ("Not Found"), or "" for an unknown code.
std::string_view status_text(int code) noexcept;

/// to_int converts a Status to its numeric code.
constexpr int to_int(Status s) noexcept { return static_cast<int>(s); }

}  // namespace nethttp
