#pragma once
// TlsMaterial: certificates, keys and OCSP responses loaded from the files of a TlsConfig,
// immutable once loaded and shared by every loop (OpenSSL reference-counts the objects).

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "nethttp/tls.hpp"

namespace nethttp::detail {

class LoopTls;

struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct SslCtxFree {
  void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

/// TlsCertMaterial is one certificate with what goes with it.
struct TlsCertMaterial {
  std::unique_ptr<X509, X509Free> leaf;
  std::unique_ptr<STACK_OF(X509), X509StackFree> chain;
  std::unique_ptr<EVP_PKEY, PkeyFree> key;
  std::vector<std::string> names;  // DNS names (SAN, else CN), lower case
  std::string ocsp;                // DER OCSP response, or empty
};

struct TlsMaterial {
  std::vector<TlsCertMaterial> certs;
  std::string alpn_wire;  // ALPN protocols, length-prefixed
};

/// load_material reads every file of config. On failure it returns null and says why.
std::shared_ptr<const TlsMaterial> load_material(const TlsConfig& config, TlsResult& result);

/// make_context builds a server SSL_CTX for one certificate from config (owner, if given,
/// is the loop whose callbacks it gets). On failure: null and why, in error.
CtxPtr make_context(const TlsConfig& config, const TlsMaterial& material, const TlsCertMaterial& cert, LoopTls* owner,
                    std::string& error);

/// openssl_error pops OpenSSL's error queue into a message ("" when empty).
std::string openssl_error();

/// name_matches is SNI matching: exact, or "*.example.com" matching one label; names are
/// compared case-insensitively.
bool name_matches(std::string_view pattern, std::string_view host) noexcept;

}  // namespace nethttp::detail
