#include "tls/tls_material.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

namespace nethttp::detail {

namespace {

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// certificate_names are the DNS names a certificate serves: its subjectAltName DNS entries,
// or its subject CN when it has none (RFC 6125 6.4.4).
std::vector<std::string> certificate_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
      if (gn->type != GEN_DNS) continue;
      const ASN1_IA5STRING* dns = gn->d.dNSName;
      names.push_back(lower(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                             static_cast<std::size_t>(ASN1_STRING_length(dns)))));
    }
    GENERAL_NAMES_free(sans);
  }
  if (names.empty()) {
    X509_NAME* subject = X509_get_subject_name(cert);
    const int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (idx >= 0) {
      const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
      names.push_back(lower(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                                             static_cast<std::size_t>(ASN1_STRING_length(cn)))));
    }
  }
  return names;
}

bool load_cert(const TlsCertificate& spec, TlsCertMaterial& out, std::string& error) {
  ERR_clear_error();
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(spec.cert_file.c_str(), "r"));
  if (!bio) {
    error = "tls: cannot open certificate " + spec.cert_file + ": " + openssl_error();
    return false;
  }
  out.leaf.reset(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr));
  if (!out.leaf) {
    error = "tls: no PEM certificate in " + spec.cert_file + ": " + openssl_error();
    return false;
  }
  out.chain.reset(sk_X509_new_null());
  if (!out.chain) {
    error = "tls: out of memory";
    return false;
  }
  while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (!sk_X509_push(out.chain.get(), extra)) {
      X509_free(extra);
      error = "tls: out of memory";
      return false;
    }
  }
  ERR_clear_error();  // the end of the file reads as "no start line"
  bio.reset(BIO_new_file(spec.key_file.c_str(), "r"));
  if (!bio) {
    error = "tls: cannot open key " + spec.key_file + ": " + openssl_error();
    return false;
  }
  out.key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!out.key) {
    error = "tls: no PEM private key in " + spec.key_file + ": " + openssl_error();
    return false;
  }
  if (X509_check_private_key(out.leaf.get(), out.key.get()) != 1) {
    error = "tls: key " + spec.key_file + " does not match certificate " + spec.cert_file + ": " + openssl_error();
    return false;
  }
  out.names = certificate_names(out.leaf.get());
  if (!spec.ocsp_file.empty()) {
    std::ifstream in(spec.ocsp_file, std::ios::binary);
    if (!in) {
      error = "tls: cannot open OCSP response " + spec.ocsp_file;
      return false;
    }
    out.ocsp.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    const auto* p = reinterpret_cast<const unsigned char*>(out.ocsp.data());
    OCSP_RESPONSE* resp = d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(out.ocsp.size()));
    if (!resp) {
      error = "tls: " + spec.ocsp_file + " is not a DER OCSP response: " + openssl_error();
      return false;
    }
    OCSP_RESPONSE_free(resp);
  }
  return true;
}

}  // namespace

std::string openssl_error() {
  std::string message;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!message.empty()) message += "; ";
    message += buf;
  }
  return message.empty() ? "unknown error" : message;
}

bool name_matches(std::string_view pattern, std::string_view host) noexcept {
  auto equal = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  };
  if (equal(pattern, host)) return true;
  if (pattern.size() > 2 && pattern.starts_with("*.")) {
    const std::size_t dot = host.find('.');
    return dot != std::string_view::npos && dot > 0 && equal(pattern.substr(1), host.substr(dot));
  }
  return false;
}

std::shared_ptr<const TlsMaterial> load_material(const TlsConfig& config, TlsResult& result) {
  result = {};
  auto material = std::make_shared<TlsMaterial>();
  if (config.certificates.empty()) {
    result = {false, "tls: no certificate configured"};
    return nullptr;
  }
  for (const std::string& proto : config.alpn) {
    if (proto != "http/1.1" && proto != "http/1.0") {
      result = {false, "tls: ALPN protocol \"" + proto + "\" is not spoken here (only http/1.1, http/1.0)"};
      return nullptr;
    }
    material->alpn_wire.push_back(static_cast<char>(proto.size()));
    material->alpn_wire.append(proto);
  }
  for (const TlsCertificate& spec : config.certificates) {
    TlsCertMaterial cert;
    if (!load_cert(spec, cert, result.message)) {
      result.ok = false;
      return nullptr;
    }
    material->certs.push_back(std::move(cert));
  }
  // A context per certificate, as the loops will build them: ciphers, groups and the key
  // are checked here, so a bad setting fails now and not at a loop's first accept.
  for (const TlsCertMaterial& cert : material->certs) {
    if (!make_context(config, *material, cert, nullptr, result.message)) {
      result.ok = false;
      return nullptr;
    }
  }
  return material;
}

}  // namespace nethttp::detail

namespace nethttp {

TlsResult check_tls_config(const TlsConfig& config) {
  TlsResult result;
  (void)detail::load_material(config, result);
  return result;
}

}  // namespace nethttp
