#include "tls/tls_context.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>

#include "tls/session_store.hpp"
#include "tls/tls_material.hpp"

namespace nethttp::detail {

namespace {
// Mozilla's "intermediate" TLS 1.2 list without DHE: ECDHE key exchange, AEAD only.
constexpr const char* kDefaultCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kDefaultGroups = "X25519:P-256:P-384";
constexpr std::size_t kStagingBytes = 64 * 1024;  // four full TLS records of plaintext
constexpr unsigned char kSessionIdContext[] = "nethttp";
}  // namespace

/// TicketKeys are the session-ticket keys of one Server, shared by its loops (a client
/// resumes on whichever loop the kernel hands it to). The newest key encrypts; a ticket made
/// with the previous one still decrypts and is renewed. Thread-safe.
class TicketKeys {
 public:
  explicit TicketKeys(std::chrono::seconds rotation)
      : rotation_(rotation), cipher_(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr)) {}
  ~TicketKeys() { EVP_CIPHER_free(cipher_); }
  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;

  /// cipher is AES-256-CBC, fetched once (an implicit fetch per ticket costs lookups).
  [[nodiscard]] const EVP_CIPHER* cipher() const noexcept { return cipher_ ? cipher_ : EVP_aes_256_cbc(); }

  /// encrypting fills name with the current key's name and copies its keys out.
  bool encrypting(unsigned char* name, unsigned char* aes, unsigned char* hmac) {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (count_ == 0 || now - keys_[0].created >= rotation_) {
      Key fresh;
      if (RAND_bytes(fresh.name.data(), static_cast<int>(fresh.name.size())) != 1 ||
          RAND_bytes(fresh.aes.data(), static_cast<int>(fresh.aes.size())) != 1 ||
          RAND_bytes(fresh.hmac.data(), static_cast<int>(fresh.hmac.size())) != 1) {
        return false;
      }
      fresh.created = now;
      keys_[1] = keys_[0];
      keys_[0] = fresh;
      count_ = count_ == 0 ? 1 : 2;
    }
    std::memcpy(name, keys_[0].name.data(), 16);
    std::memcpy(aes, keys_[0].aes.data(), 32);
    std::memcpy(hmac, keys_[0].hmac.data(), 32);
    return true;
  }

  /// decrypting finds the key called name: 0 none (full handshake), 1 current, 2 old (renew).
  int decrypting(const unsigned char* name, unsigned char* aes, unsigned char* hmac) {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < count_; ++i) {
      if (std::memcmp(keys_[i].name.data(), name, 16) != 0) continue;
      if (i > 0 && now - keys_[0].created >= rotation_) return 0;  // two rotations old
      std::memcpy(aes, keys_[i].aes.data(), 32);
      std::memcpy(hmac, keys_[i].hmac.data(), 32);
      return i == 0 ? 1 : 2;
    }
    return 0;
  }

 private:
  struct Key {
    std::array<unsigned char, 16> name{};
    std::array<unsigned char, 32> aes{};
    std::array<unsigned char, 32> hmac{};
    std::chrono::steady_clock::time_point created;
  };
  std::mutex mu_;
  std::chrono::seconds rotation_;
  std::array<Key, 2> keys_{};
  std::size_t count_ = 0;
  EVP_CIPHER* cipher_;
};

// Asked once per process: without the module OpenSSL's SSL_OP_ENABLE_KTLS costs two failed
// setsockopt calls (and a module lookup) on every handshake. An unconnected socket is enough to tell:
// an unknown ULP is ENOENT, a known one refuses the unconnected socket with ENOTCONN.
bool kernel_offers_ktls() {
#if defined(SSL_OP_ENABLE_KTLS) && defined(__linux__) && defined(TCP_ULP)
  static const bool offered = [] {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    constexpr char kTls[] = "tls";
    const int rc = ::setsockopt(fd, SOL_TCP, TCP_ULP, kTls, sizeof kTls);
    const bool known = rc == 0 || errno != ENOENT;
    ::close(fd);
    return known;
  }();
  return offered;
#else
  return false;
#endif
}

namespace {

LoopTls* owner_of(SSL* ssl) { return static_cast<LoopTls*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl))); }

int ticket_key_cb(SSL* ssl, unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
                  int enc) {
  LoopTls* loop = owner_of(ssl);
  if (!loop) return -1;
  unsigned char aes[32];
  unsigned char hmac[32];
  int rc = 1;
  if (enc) {
    if (!loop->state.tickets().encrypting(key_name, aes, hmac)) return -1;
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(loop->state.tickets().cipher())) != 1) return -1;
    if (EVP_EncryptInit_ex(cipher, loop->state.tickets().cipher(), nullptr, aes, iv) != 1) return -1;
  } else {
    rc = loop->state.tickets().decrypting(key_name, aes, hmac);
    if (rc == 0) return 0;
    if (EVP_DecryptInit_ex(cipher, loop->state.tickets().cipher(), nullptr, aes, iv) != 1) return -1;
  }
  char digest[] = "sha256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, hmac, sizeof hmac),
                         OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(mac, params) != 1) return -1;
  OPENSSL_cleanse(aes, sizeof aes);
  OPENSSL_cleanse(hmac, sizeof hmac);
  return rc;
}

// new_session_cb copies a stateful session into the Server's shared store, for a client that
// comes back through another loop. TLS 1.3 with tickets is stateless (the ticket is the
// session): nothing to keep. Returns 0: OpenSSL keeps its reference.
int new_session_cb(SSL* ssl, SSL_SESSION* session) {
  LoopTls* loop = owner_of(ssl);
  if (!loop) return 0;
  if (SSL_version(ssl) == TLS1_3_VERSION && (SSL_get_options(ssl) & SSL_OP_NO_TICKET) == 0) return 0;
  unsigned id_len = 0;
  const unsigned char* id = SSL_SESSION_get_id(session, &id_len);
  const int der_len = i2d_SSL_SESSION(session, nullptr);
  if (id_len == 0 || der_len <= 0) return 0;
  std::string der(static_cast<std::size_t>(der_len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_SSL_SESSION(session, &out) != der_len) return 0;
  loop->state.sessions().put({id, id_len}, std::move(der));
  return 0;
}

// get_session_cb finds a session this loop's cache missed in the shared store.
SSL_SESSION* get_session_cb(SSL* ssl, const unsigned char* id, int id_len, int* copy) {
  *copy = 0;  // the session returned is OpenSSL's to free
  LoopTls* loop = owner_of(ssl);
  if (!loop || id_len <= 0) return nullptr;
  const std::optional<std::string> der = loop->state.sessions().get({id, static_cast<std::size_t>(id_len)});
  if (!der) return nullptr;
  const auto* in = reinterpret_cast<const unsigned char*>(der->data());
  return d2i_SSL_SESSION(nullptr, &in, static_cast<long>(der->size()));
}

int servername_cb(SSL* ssl, int*, void* arg) {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name && arg) static_cast<const LoopTls*>(arg)->select_context(ssl, name);
  return SSL_TLSEXT_ERR_OK;
}

int alpn_cb(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
            void* arg) {
  const std::string& ours = static_cast<const LoopTls*>(arg)->alpn_wire();
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, reinterpret_cast<const unsigned char*>(ours.data()),
                            static_cast<unsigned>(ours.size()), in, inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // only h2 (or nothing we speak) offered: no ALPN, HTTP/1.1
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

int status_cb(SSL* ssl, void* arg) {
  const std::string* ocsp = static_cast<const LoopTls*>(arg)->ocsp_for(SSL_get_SSL_CTX(ssl));
  if (!ocsp || ocsp->empty()) return SSL_TLSEXT_ERR_NOACK;
  void* copy = OPENSSL_memdup(ocsp->data(), ocsp->size());
  if (!copy) return SSL_TLSEXT_ERR_NOACK;
  SSL_set_tlsext_status_ocsp_resp(ssl, static_cast<unsigned char*>(copy), static_cast<long>(ocsp->size()));
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

CtxPtr make_context(const TlsConfig& config, const TlsMaterial& material, const TlsCertMaterial& cert, LoopTls* owner,
                    std::string& error) {
  ERR_clear_error();
  CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    error = "tls: SSL_CTX_new: " + openssl_error();
    return nullptr;
  }
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(c, config.min_version == TlsVersion::Tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
  std::uint64_t options = SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
                          SSL_OP_IGNORE_UNEXPECTED_EOF;  // (3.0 refuses client renegotiation by default too)
#ifdef SSL_OP_ENABLE_KTLS
  if (kernel_offers_ktls()) options |= SSL_OP_ENABLE_KTLS;
#endif
  if (!config.session_tickets) options |= SSL_OP_NO_TICKET;
  SSL_CTX_set_options(c, options);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Read whole socket buffers rather than a record header and then its body: one read(2)
  // a request instead of two (nginx does the same). Connection reads until EAGAIN, so
  // what OpenSSL holds ahead is never forgotten.
  SSL_CTX_set_read_ahead(c, 1);
  const std::string ciphers = config.ciphers.empty() ? kDefaultCiphers : config.ciphers;
  if (SSL_CTX_set_cipher_list(c, ciphers.c_str()) != 1) {
    error = "tls: cipher list \"" + ciphers + "\" refused: " + openssl_error();
    return nullptr;
  }
  if (!config.ciphersuites.empty() && SSL_CTX_set_ciphersuites(c, config.ciphersuites.c_str()) != 1) {
    error = "tls: ciphersuites \"" + config.ciphersuites + "\" refused: " + openssl_error();
    return nullptr;
  }
  const std::string groups = config.groups.empty() ? kDefaultGroups : config.groups;
  if (SSL_CTX_set1_groups_list(c, groups.c_str()) != 1) {
    error = "tls: groups \"" + groups + "\" refused: " + openssl_error();
    return nullptr;
  }
  if (SSL_CTX_use_certificate(c, cert.leaf.get()) != 1 || SSL_CTX_set1_chain(c, cert.chain.get()) != 1 ||
      SSL_CTX_use_PrivateKey(c, cert.key.get()) != 1 || SSL_CTX_check_private_key(c) != 1) {
    error = "tls: certificate or key refused: " + openssl_error();
    return nullptr;
  }
  SSL_CTX_set_session_id_context(c, kSessionIdContext, sizeof kSessionIdContext - 1);
  if (config.session_cache_size > 0) {
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(c, static_cast<long>(config.session_cache_size));
  } else {
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  }
  SSL_CTX_set_timeout(c, static_cast<long>(config.session_timeout.count()));
  (void)material;
  if (owner) {
    SSL_CTX_set_app_data(c, owner);
    if (config.session_tickets) SSL_CTX_set_tlsext_ticket_key_evp_cb(c, ticket_key_cb);
    if (config.session_cache_size > 0) {
      // No remove callback: having one makes OpenSSL cache stateless TLS 1.3 sessions too.
      SSL_CTX_sess_set_new_cb(c, new_session_cb);
      SSL_CTX_sess_set_get_cb(c, get_session_cb);
    }
// OpenSSL's callback-setting macros cast to void (*)(void) the old way.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
    SSL_CTX_set_tlsext_servername_callback(c, servername_cb);
    SSL_CTX_set_tlsext_servername_arg(c, owner);
    if (!owner->alpn_wire().empty()) SSL_CTX_set_alpn_select_cb(c, alpn_cb, owner);
    if (!cert.ocsp.empty()) {
      SSL_CTX_set_tlsext_status_cb(c, status_cb);
      SSL_CTX_set_tlsext_status_arg(c, owner);
    }
#pragma GCC diagnostic pop
  }
  return ctx;
}

// ---- TlsServerState ---------------------------------------------------------------------

TlsServerState::TlsServerState(TlsConfig config)
    : config_(std::move(config)),
      tickets_(std::make_unique<TicketKeys>(config_.ticket_key_rotation)),
      sessions_(std::make_unique<SessionStore>(config_.session_cache_size)) {}

TlsServerState::~TlsServerState() = default;

TlsResult TlsServerState::load() {
  TlsResult result;
  std::shared_ptr<const TlsMaterial> fresh = load_material(config_, result);
  if (!fresh) return result;
  std::lock_guard lock(mu_);
  material_ = std::move(fresh);
  version_.fetch_add(1, std::memory_order_acq_rel);
  return result;
}

std::shared_ptr<const TlsMaterial> TlsServerState::material() const {
  std::lock_guard lock(mu_);
  return material_;
}

// ---- LoopTls ------------------------------------------------------------------------------

LoopTls::LoopTls(TlsServerState& s) : state(s), staging_(kStagingBytes) {}

LoopTls::~LoopTls() {
  for (SSL_CTX* c : contexts_) SSL_CTX_free(c);
}

bool LoopTls::rebuild() {
  const std::uint64_t version = state.version();
  std::shared_ptr<const TlsMaterial> material = state.material();
  if (!material) return false;
  alpn_wire_ = material->alpn_wire;
  std::vector<SSL_CTX*> built;
  std::string error;
  for (const TlsCertMaterial& cert : material->certs) {
    CtxPtr ctx = make_context(state.config(), *material, cert, this, error);
    if (!ctx) break;
    built.push_back(ctx.release());
  }
  if (built.size() != material->certs.size()) {
    for (SSL_CTX* c : built) SSL_CTX_free(c);
    return !contexts_.empty();  // keep serving with what we had
  }
  // Handshakes under way keep their SSL_CTX alive (SSL_new took a reference).
  for (SSL_CTX* c : contexts_) SSL_CTX_free(c);
  contexts_ = std::move(built);
  material_ = std::move(material);
  version_ = version;
  return true;
}

ssl_st* LoopTls::new_ssl() {
  if ((contexts_.empty() || version_ != state.version()) && !rebuild()) return nullptr;
  ERR_clear_error();
  SSL* ssl = SSL_new(contexts_.front());
  if (!ssl) return nullptr;
  SSL_set_accept_state(ssl);
  return ssl;
}

void LoopTls::select_context(ssl_st* ssl, std::string_view server_name) const {
  if (!material_) return;
  for (std::size_t i = 0; i < material_->certs.size() && i < contexts_.size(); ++i) {
    for (const std::string& name : material_->certs[i].names) {
      if (!name_matches(name, server_name)) continue;
      if (SSL_get_SSL_CTX(ssl) != contexts_[i]) SSL_set_SSL_CTX(ssl, contexts_[i]);
      return;
    }
  }
}

const std::string* LoopTls::ocsp_for(const ssl_ctx_st* ctx) const {
  if (!material_) return nullptr;
  for (std::size_t i = 0; i < contexts_.size() && i < material_->certs.size(); ++i) {
    if (contexts_[i] == ctx) return &material_->certs[i].ocsp;
  }
  return nullptr;
}

}  // namespace nethttp::detail
