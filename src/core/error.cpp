#include "nethttp/error.hpp"

#include "nethttp/status.hpp"

namespace nethttp {

int status_for(Error e) noexcept {
  switch (e) {
    case Error::Ok: return 200;
    case Error::BadRequest: return 400;
    case Error::HeaderTimeout:
    case Error::ReadTimeout: return 408;
    case Error::BodyTooLarge: return 413;
    case Error::UriTooLong: return 414;
    case Error::HeadersTooLarge: return 431;
    case Error::ExpectationFailed: return 417;
    case Error::UnsupportedTransferEncoding: return 501;
    case Error::VersionNotSupported: return 505;
  }
  return 400;
}

namespace {
class HttpErrorCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "nethttp"; }
  std::string message(int ev) const override {
    switch (static_cast<Error>(ev)) {
      case Error::Ok: return "success";
      case Error::BadRequest: return "malformed request";
      case Error::HeaderTimeout: return "request header timeout";
      case Error::ReadTimeout: return "request read timeout";
      case Error::BodyTooLarge: return "request body too large";
      case Error::UriTooLong: return "request URI too long";
      case Error::HeadersTooLarge: return "request header fields too large";
      case Error::ExpectationFailed: return "unsupported expectation";
      case Error::UnsupportedTransferEncoding: return "unsupported transfer encoding";
      case Error::VersionNotSupported: return "HTTP version not supported";
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
