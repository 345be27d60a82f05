#include "nethttp/error.hpp"

#include "nethttp/status.hpp"

namespace nethttp {

int status_for(Error e) noexcept {
  switch (e) {
    case Error::ok: return 200;
    case Error::bad_request: return 400;
    case Error::header_timeout:
    case Error::read_timeout: return 408;
    case Error::body_too_large: return 413;
    case Error::uri_too_long: return 414;
    case Error::headers_too_large: return 431;
    case Error::expectation_failed: return 417;
    case Error::unsupported_transfer_encoding: return 501;
    case Error::version_not_supported: return 505;
  }
  return 400;
}

namespace {
class HttpErrorCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "nethttp"; }
  std::string message(int ev) const override {
    switch (static_cast<Error>(ev)) {
      case Error::ok: return "success";
      case Error::bad_request: return "malformed request";
      case Error::header_timeout: return "request header timeout";
      case Error::read_timeout: return "request read timeout";
      case Error::body_too_large: return "request body too large";
      case Error::uri_too_long: return "request URI too long";
      case Error::headers_too_large: return "request header fields too large";
      case Error::expectation_failed: return "unsupported expectation";
      case Error::unsupported_transfer_encoding: return "unsupported transfer encoding";
      case Error::version_not_supported: return "HTTP version not supported";
    }
    return "unknown nethttp error";
  }
};
}  // namespace

const std::error_category& http_error_category() noexcept {
  static const HttpErrorCategory category;
  return category;
}

}  // namespace nethttp

namespace nethttp {

std::string error_text(Error e, std::string_view reason) {
  const int status = status_for(e);
  std::string out = std::to_string(status);
  out.push_back(' ');
  out += status_text(status);
  out += ": ";
  if (reason.empty()) {
    out += make_error_code(e).message();
  } else {
    out += reason;
  }
  return out;
}

}  // namespace nethttp
