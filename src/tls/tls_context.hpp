#pragma once
// TLS contexts: TlsServerState is a Server's TLS state shared by its loops (the loaded
// certificates, reloadable; the session-ticket keys; the shared session-id store); LoopTls
// is one loop's OpenSSL contexts built from it (one SSL_CTX per certificate, so the session
// cache is per loop and needs no lock, backed by the shared store), and the loop's staging
// buffer for TLS output.
// Without NETHTTP_TLS these exist but never hold anything (tls_none.cpp).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "nethttp/tls.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace nethttp::detail {

struct TlsMaterial;
class TicketKeys;
class SessionStore;

/// TlsServerState holds a Server's TLS configuration and what was loaded from it.
/// load() and material() are thread-safe; the rest is immutable after construction.
class TlsServerState {
 public:
  explicit TlsServerState(TlsConfig config);
  ~TlsServerState();
  TlsServerState(const TlsServerState&) = delete;
  TlsServerState& operator=(const TlsServerState&) = delete;

  /// load (re)reads every certificate, key and OCSP file and checks them by building a
  /// context; on success the loops switch to them at their next accept. On failure what
  /// was loaded before stays.
  TlsResult load();
  /// material is the certificates loaded last (null before the first successful load).
  [[nodiscard]] std::shared_ptr<const TlsMaterial> material() const;
  /// version counts successful loads; loops compare it to rebuild their contexts.
  [[nodiscard]] std::uint64_t version() const noexcept { return version_.load(std::memory_order_acquire); }
  [[nodiscard]] const TlsConfig& config() const noexcept { return config_; }
  [[nodiscard]] TicketKeys& tickets() noexcept { return *tickets_; }
  /// sessions is the session-id store the loops share (session_store.hpp).
  [[nodiscard]] SessionStore& sessions() noexcept { return *sessions_; }

 private:
  TlsConfig config_;
  std::unique_ptr<TicketKeys> tickets_;
  std::unique_ptr<SessionStore> sessions_;
  mutable std::mutex mu_;
  std::shared_ptr<const TlsMaterial> material_;  // guarded by mu_
  std::atomic<std::uint64_t> version_{0};
};

/// kernel_offers_ktls reports whether the kernel has the TLS upper-layer protocol (kernel
/// TLS), asked once per process. Without it TLS output is encrypted into TlsStream's own
/// buffer; with it OpenSSL writes to the socket itself, which kernel TLS requires.
bool kernel_offers_ktls();

/// LoopTls is one loop's TLS contexts. Loop thread only.
class LoopTls {
 public:
  explicit LoopTls(TlsServerState& state);
  ~LoopTls();
  LoopTls(const LoopTls&) = delete;
  LoopTls& operator=(const LoopTls&) = delete;

  /// new_ssl returns a server-side SSL (its socket not yet attached: TlsStream::accept),
  /// from the newest certificates (rebuilding this loop's contexts first if they were
  /// reloaded), or null on failure.
  ssl_st* new_ssl();
  /// staging is the loop's buffer for coalescing small output and reading file ranges:
  /// four TLS records' worth (64 KiB).
  [[nodiscard]] std::span<char> staging() noexcept { return staging_; }

  // For the OpenSSL callbacks (tls_context.cpp).
  TlsServerState& state;
  /// select_context switches ssl to the certificate whose names match server_name.
  void select_context(ssl_st* ssl, std::string_view server_name) const;
  /// ocsp_for returns the OCSP response stapled with ctx's certificate ("" for none).
  [[nodiscard]] const std::string* ocsp_for(const ssl_ctx_st* ctx) const;
  [[nodiscard]] const std::string& alpn_wire() const noexcept { return alpn_wire_; }

 private:
  bool rebuild();

  std::vector<ssl_ctx_st*> contexts_;  // owned; one per certificate, the first is the default
  std::shared_ptr<const TlsMaterial> material_;
  std::uint64_t version_ = 0;
  std::string alpn_wire_;
  std::vector<char> staging_;
};

}  // namespace nethttp::detail
