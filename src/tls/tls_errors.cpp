#include <string>

#include "nethttp/tls.hpp"

namespace nethttp {

namespace {
class TlsCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "nethttp.tls"; }
  std::string message(int code) const override {
    switch (static_cast<TlsErrc>(code)) {
      case TlsErrc::NotAvailable: return "TLS requested but this build of nethttp has no TLS (NETHTTP_TLS off)";
      case TlsErrc::NoCertificate: return "TLS requested but no certificate is configured (tls.certificates)";
      case TlsErrc::BadCertificate: return "TLS certificate, key or OCSP file cannot be loaded";
      case TlsErrc::BadConfig: return "TLS configuration refused (ciphers, groups or ALPN)";
    }
    return "unknown TLS error";
  }
};
}  // namespace

const std::error_category& tls_category() noexcept {
  static const TlsCategory category;
  return category;
}

bool tls_available() noexcept {
#ifdef NETHTTP_TLS
  return true;
#else
  return false;
#endif
}

}  // namespace nethttp
