#include "tls/tls_stream.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "tls/tls_context.hpp"

namespace nethttp::detail {

namespace {
constexpr std::string_view kHttp11 = "http/1.1";
constexpr std::string_view kHttp10 = "http/1.0";

// would_block maps OpenSSL's verdict on a failed call onto read(2)'s: -1 with errno EAGAIN
// when it waits for the socket, else -1 with errno set for a failure (the caller closes).
ssize_t would_block_or_fail(SSL* ssl, int rc, bool& failed) noexcept {
  const int err = SSL_get_error(ssl, rc);
  switch (err) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE: errno = EAGAIN; return -1;
    case SSL_ERROR_ZERO_RETURN: return 0;
    case SSL_ERROR_SYSCALL:
      failed = true;
      if (errno == 0 || errno == EAGAIN) errno = ECONNRESET;
      ERR_clear_error();
      return -1;
    default:
      failed = true;
      ERR_clear_error();
      errno = EPROTO;
      return -1;
  }
}
}  // namespace

std::unique_ptr<TlsStream> TlsStream::accept(LoopTls& loop, int fd) {
  SSL* ssl = loop.new_ssl(fd);
  if (!ssl) return nullptr;
  return std::make_unique<TlsStream>(loop, ssl);
}

TlsStream::TlsStream(LoopTls& loop, ssl_st* ssl) noexcept : loop_(loop), ssl_(ssl) {}

TlsStream::~TlsStream() {
  // A connection the client ended without close_notify (most do) is still a good session:
  // without this OpenSSL drops it from the session cache (nginx does the same).
  if (established_ && !failed_) SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(ssl_);
}

TlsStream::Handshake TlsStream::handshake() noexcept {
  if (established_) return Handshake::done;
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  if (rc != 1) {
    const int err = SSL_get_error(ssl_, rc);
    handshake_wants_write_ = err == SSL_ERROR_WANT_WRITE;
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return Handshake::want;
    failed_ = true;
    ERR_clear_error();
    return Handshake::failed;
  }
  established_ = true;
  info_.version = SSL_get_version(ssl_);
  info_.cipher = SSL_get_cipher_name(ssl_);
  if (const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name)) server_name_ = name;
  info_.server_name = server_name_;
  const unsigned char* alpn = nullptr;
  unsigned alpn_len = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpn_len);
  const std::string_view chosen(reinterpret_cast<const char*>(alpn), alpn ? alpn_len : 0);
  info_.alpn = chosen == kHttp11 ? kHttp11 : chosen == kHttp10 ? kHttp10 : std::string_view();
  info_.resumed = SSL_session_reused(ssl_) == 1;
  return Handshake::done;
}

ssize_t TlsStream::read(char* buf, std::size_t n) noexcept {
  ERR_clear_error();
  const int rc = SSL_read(ssl_, buf, static_cast<int>(std::min<std::size_t>(n, INT_MAX)));
  read_wants_write_ = false;
  if (rc > 0) return rc;
  read_wants_write_ = SSL_get_error(ssl_, rc) == SSL_ERROR_WANT_WRITE;
  return would_block_or_fail(ssl_, rc, failed_);
}

ssize_t TlsStream::write(const char* data, std::size_t n) noexcept {
  ERR_clear_error();
  const int rc = SSL_write(ssl_, data, static_cast<int>(std::min<std::size_t>(n, INT_MAX)));
  if (rc > 0) return rc;
  const ssize_t r = would_block_or_fail(ssl_, rc, failed_);
  if (r == 0) {  // the peer's close_notify while writing: it is gone
    errno = EPIPE;
    return -1;
  }
  return r;
}

bool TlsStream::has_pending() const noexcept { return SSL_has_pending(ssl_) == 1; }

bool TlsStream::ktls_send() const noexcept { return BIO_get_ktls_send(SSL_get_wbio(ssl_)) != 0; }

ssize_t TlsStream::send_file(int file_fd, std::uint64_t offset, std::size_t n) noexcept {
  ERR_clear_error();
  const ossl_ssize_t rc = SSL_sendfile(ssl_, file_fd, static_cast<off_t>(offset), n, 0);
  if (rc > 0) return rc;
  if (rc == 0) {
    errno = EPIPE;
    return -1;
  }
  const ssize_t r = would_block_or_fail(ssl_, static_cast<int>(rc), failed_);
  return r == 0 ? -1 : r;
}

void TlsStream::shutdown() noexcept {
  if (!established_ || failed_) return;
  ERR_clear_error();
  (void)SSL_shutdown(ssl_);  // sends close_notify; not waiting for the peer's
  ERR_clear_error();
}

}  // namespace nethttp::detail
