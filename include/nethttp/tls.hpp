#pragma once
/// \file tls.hpp
/// TLS (HTTPS) configuration and per-connection TLS facts: TlsCertificate, TlsConfig (set in
/// ServerConfig::tls, served on ServerConfig::listen_tls) and TlsInfo (Request::tls(), Go's
/// r.TLS). TLS needs a build with OpenSSL 3 (NETHTTP_TLS, see tls_available()).

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace nethttp {

/// TlsCertificate is one certificate the server can present: a PEM file with the leaf
/// certificate followed by its intermediates, the PEM private key for it, and optionally a
/// DER OCSP response to staple (as `openssl ocsp -respout` writes it; empty: no stapling).
/// The names a certificate serves (for SNI) are the DNS names of its subjectAltName, or its
/// subject CN when it has none; "*.example.com" matches one label.
struct TlsCertificate {
  std::string cert_file;  ///< PEM: leaf certificate, then the chain
  std::string key_file;   ///< PEM: the leaf's private key
  std::string ocsp_file;  ///< DER OCSP response to staple, or "" for none
};

/// TlsVersion is a minimum protocol version.
enum class TlsVersion {
  Tls12,  ///< TLS 1.2 and 1.3 (the default)
  Tls13,  ///< TLS 1.3 only
};

/// TlsConfig configures the server side of TLS. The defaults follow nginx's and Mozilla's
/// "intermediate" profile: TLS 1.2 and 1.3, ECDHE key exchange only (X25519, P-256, P-384),
/// AEAD ciphers only (AES-GCM, ChaCha20-Poly1305; no CBC, no RSA key exchange), ALPN
/// advertising http/1.1, session resumption by tickets (with keys rotated) and by a
/// per-loop session cache, renegotiation refused.
struct TlsConfig {
  /// certificates lists the certificates to serve; the first is the default, used when the
  /// client sends no SNI name or one no certificate matches. Several certificates are
  /// chosen by SNI (the first whose names match). At least one is needed for listen_tls.
  std::vector<TlsCertificate> certificates;
  /// min_version is the oldest protocol version accepted.
  TlsVersion min_version = TlsVersion::Tls12;
  /// ciphers, if non-empty, replaces the TLS 1.2 cipher list (OpenSSL cipher-list syntax).
  std::string ciphers;
  /// ciphersuites, if non-empty, replaces the TLS 1.3 ciphersuites (OpenSSL syntax).
  std::string ciphersuites;
  /// groups, if non-empty, replaces the key-exchange groups ("X25519:P-256:P-384").
  std::string groups;
  /// alpn lists the protocols offered in ALPN, in server preference order. Only "http/1.1"
  /// is spoken; a client that offers only protocols not listed (h2 alone) gets the
  /// handshake without ALPN (RFC 7301 allows it), and speaks HTTP/1.1 or closes.
  std::vector<std::string> alpn{"http/1.1"};
  /// session_tickets turns on stateless resumption (RFC 5077 / TLS 1.3 tickets). The
  /// ticket keys are random per Server, shared by its loops, and rotated every
  /// ticket_key_rotation; a ticket stays valid for two rotations.
  bool session_tickets = true;
  /// ticket_key_rotation is how often a new ticket key is made.
  std::chrono::seconds ticket_key_rotation{std::chrono::hours(1)};
  /// session_cache_size is the number of sessions kept for stateful resumption (session
  /// ids: TLS 1.2, and TLS 1.3 without tickets), by each loop and in a store the loops
  /// share, so a client resumes whichever loop it reaches; 0 turns the cache off.
  std::size_t session_cache_size = 20'000;
  /// session_timeout is how long a session may be resumed (cache entry or ticket).
  std::chrono::seconds session_timeout{std::chrono::hours(1)};
  /// handshake_timeout bounds the time from accept to a complete handshake: then the
  /// connection is closed. The request's read_header_timeout starts after it.
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds{10};
};

/// TlsInfo describes a connection's TLS session (Go: tls.ConnectionState). The views stay
/// valid for the connection's life.
struct TlsInfo {
  std::string_view version;      ///< "TLSv1.3", "TLSv1.2"
  std::string_view cipher;       ///< OpenSSL name: "TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"
  std::string_view server_name;  ///< SNI name the client sent, or ""
  std::string_view alpn;         ///< the protocol ALPN chose ("http/1.1"), or "" without ALPN
  bool resumed = false;          ///< the session was resumed (ticket or cache), no full handshake
};

/// tls_available reports whether this build of nethttp has TLS (NETHTTP_TLS).
[[nodiscard]] bool tls_available() noexcept;

/// TlsResult is the outcome of a TLS setup step: ok, or a message saying what failed
/// ("tls: cannot load certificate /etc/x.pem: no such file").
struct TlsResult {
  bool ok = true;
  std::string message;
  explicit operator bool() const noexcept { return ok; }
};

/// check_tls_config loads every certificate, key and OCSP file of config and checks that
/// each key matches its certificate, without serving: what Server::listen() does first, for
/// a program that wants to report a bad file before anything else (a command-line flag).
[[nodiscard]] TlsResult check_tls_config(const TlsConfig& config);

/// TlsErrc are the errors Server::listen() returns for TLS set-up (category "nethttp.tls").
enum class TlsErrc {
  NotAvailable = 1,  ///< listen_tls is set but this build has no TLS
  NoCertificate,     ///< listen_tls is set but tls.certificates is empty
  BadCertificate,    ///< a certificate, key or OCSP file cannot be loaded (the log says which)
  BadConfig,         ///< ciphers, groups or ALPN protocols OpenSSL or nethttp refuses
};
/// tls_category is the error category of TlsErrc.
[[nodiscard]] const std::error_category& tls_category() noexcept;
/// make_error_code makes TlsErrc usable as a std::error_code.
[[nodiscard]] inline std::error_code make_error_code(TlsErrc e) noexcept {
  return {static_cast<int>(e), tls_category()};
}

}  // namespace nethttp

template <>
struct std::is_error_code_enum<nethttp::TlsErrc> : std::true_type {};
