#include "tls/tls_stream.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <memory>

#include "tls/tls_context.hpp"

namespace nethttp::detail {

namespace {
constexpr std::string_view kHttp11 = "http/1.1";
constexpr std::string_view kHttp10 = "http/1.0";
constexpr std::size_t kBatchBytes = 64 * 1024;   // encrypted per send: four full records
constexpr std::size_t kRecordBytes = 16 * 1024;  // per send to a client that is not keeping up
constexpr std::size_t kKeepBytes = 4 * 1024;     // buffer kept between sends (freed when idle)

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

// StreamBio carries a stream's records between OpenSSL and the socket (see tls_stream.hpp).
// OpenSSL "flushes" it after each handshake flight, which sends nothing: the stream decides
// when bytes go out.
struct StreamBio {
  static int write(BIO* bio, const char* data, int len) noexcept {
    BIO_clear_retry_flags(bio);
    try {
      stream(bio).append(data, static_cast<std::size_t>(len));
    } catch (...) {  // out of memory: OpenSSL fails the call, and the connection closes
      return -1;
    }
    return len;
  }
  static int read(BIO* bio, char* buf, int len) noexcept {
    BIO_clear_retry_flags(bio);
    bool retry = false;
    const int n = stream(bio).socket_read(buf, len, retry);
    if (retry) BIO_set_retry_read(bio);
    if (n == 0) BIO_set_flags(bio, BIO_FLAGS_IN_EOF);  // as OpenSSL's socket BIO marks the peer's FIN
    return n;
  }
  static long ctrl(BIO* bio, int cmd, long, void*) noexcept {
    switch (cmd) {
      case BIO_CTRL_FLUSH: return 1;
      case BIO_CTRL_EOF: return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
      default: return 0;
    }
  }
  static int create(BIO* bio) noexcept {
    BIO_set_init(bio, 1);
    return 1;
  }
  static TlsStream& stream(BIO* bio) noexcept { return *static_cast<TlsStream*>(BIO_get_data(bio)); }
  // method is made once per process and lives as long as it.
  static const BIO_METHOD* method() noexcept {
    static const std::unique_ptr<BIO_METHOD, decltype(&BIO_meth_free)> m = [] {
      std::unique_ptr<BIO_METHOD, decltype(&BIO_meth_free)> made(
          BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "nethttp TLS socket"), &BIO_meth_free);
      if (made && (BIO_meth_set_write(made.get(), write) != 1 || BIO_meth_set_read(made.get(), read) != 1 ||
                   BIO_meth_set_ctrl(made.get(), ctrl) != 1 || BIO_meth_set_create(made.get(), create) != 1)) {
        made.reset();
      }
      return made;
    }();
    return m.get();
  }
};

std::atomic<bool> openssl_on_socket_for_tests{false};

std::unique_ptr<TlsStream> TlsStream::accept(LoopTls& loop, int fd) {
  SSL* ssl = loop.new_ssl();
  if (!ssl) return nullptr;
  auto stream = std::make_unique<TlsStream>(loop, ssl);  // owns ssl from here
  stream->fd_ = fd;
  if (kernel_offers_ktls() || openssl_on_socket_for_tests.load(std::memory_order_relaxed)) {
    // kernel TLS needs OpenSSL on the socket itself
    if (SSL_set_fd(ssl, fd) != 1) return nullptr;
    return stream;
  }
  const BIO_METHOD* method = StreamBio::method();
  BIO* io = method ? BIO_new(method) : nullptr;
  if (!io) return nullptr;
  BIO_set_data(io, stream.get());
  SSL_set_bio(ssl, io, io);  // one reference for both directions
  stream->own_io_ = true;
  return stream;
}

int TlsStream::socket_read(char* buf, int len, bool& retry) noexcept {
  if (drained_) {
    retry = true;
    return -1;
  }
  ssize_t n;
  do {
    n = ::read(fd_, buf, static_cast<std::size_t>(len));
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    retry = errno == EAGAIN;
    drained_ = retry;
    return -1;
  }
  if (n < len) drained_ = true;  // short: the socket is empty until its next readable edge
  if (n > 0 && !sniffed_) {
    sniffed_ = true;
    first_byte_ = static_cast<unsigned char>(buf[0]);
    if (first_byte_ != 0x16) {  // not a handshake record: OpenSSL fails, handshake() says why
      plaintext_ = true;
      return -1;
    }
  }
  return static_cast<int>(n);
}

TlsStream::Handshake TlsStream::sniff() noexcept {
  // OpenSSL reads the socket itself here (kernel TLS): look at the first byte before it does.
  unsigned char c = 0;
  ssize_t n;
  do {
    n = ::recv(fd_, &c, 1, MSG_PEEK);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN) return Handshake::want;
  if (n <= 0) return Handshake::failed;
  sniffed_ = true;
  first_byte_ = c;
  plaintext_ = c != 0x16;
  return plaintext_ ? Handshake::plaintext : Handshake::done;
}

TlsStream::TlsStream(LoopTls& loop, ssl_st* ssl) noexcept : loop_(loop), ssl_(ssl) {}

TlsStream::~TlsStream() {
  // A connection the client ended without close_notify (most do) is still a good session:
  // without this OpenSSL drops it from the session cache (nginx does the same).
  if (established_ && !failed_) SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(ssl_);
}

void TlsStream::append(const char* data, std::size_t n) { unsent_.append(data, n); }

TlsStream::Flush TlsStream::flush() noexcept {
  while (has_unsent()) {
    const std::size_t left = unsent_.size() - unsent_from_;
    const ssize_t n = ::send(fd_, unsent_.data() + unsent_from_, left, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        blocked_ = true;
        return Flush::blocked;
      }
      failed_ = true;
      return Flush::failed;
    }
    unsent_from_ += static_cast<std::size_t>(n);
    if (static_cast<std::size_t>(n) < left) {  // the socket is full; its writable edge will come
      blocked_ = true;
      return Flush::blocked;
    }
  }
  blocked_ = false;
  unsent_.clear();
  unsent_from_ = 0;
  if (unsent_.capacity() > kKeepBytes) std::string().swap(unsent_);
  return Flush::done;
}

TlsStream::Handshake TlsStream::handshake() noexcept {
  if (established_) return Handshake::done;
  if (!own_io_ && !sniffed_) {
    const Handshake h = sniff();
    if (h != Handshake::done) return h;
  }
  if (blocked_) {  // our last flight is still on its way out
    const Flush f = flush();
    if (f == Flush::failed) return Handshake::failed;
    handshake_wants_write_ = f == Flush::blocked;
    if (handshake_wants_write_) return Handshake::want;
  }
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  if (rc != 1) {
    const int err = SSL_get_error(ssl_, rc);
    handshake_wants_write_ = err == SSL_ERROR_WANT_WRITE;
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      // The client answers only once it has our flight.
      const Flush f = flush();
      if (f == Flush::failed) return Handshake::failed;
      if (f == Flush::blocked) handshake_wants_write_ = true;
      return Handshake::want;
    }
    failed_ = true;
    ERR_clear_error();
    if (plaintext_) return Handshake::plaintext;
    (void)flush();  // the alert, if OpenSSL wrote one
    return Handshake::failed;
  }
  // The last flight (TLS 1.3 session tickets; TLS 1.2's Finished) stays in unsent_: the
  // first response takes it along, or Connection flushes it when there is none yet.
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
  if (own_io_) return write_buffered(data, n);
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

ssize_t TlsStream::write_buffered(const char* data, std::size_t n) noexcept {
  if (blocked_) {
    const Flush f = flush();
    if (f == Flush::failed) return -1;
    if (f == Flush::blocked) {
      errno = EAGAIN;
      return -1;
    }
  }
  // Partial-write mode makes each SSL_write one record: gather up to a batch, send once.
  const std::size_t batch = slow_ ? kRecordBytes : kBatchBytes;
  std::size_t total = 0;
  while (total < n && unsent_.size() - unsent_from_ < batch) {
    ERR_clear_error();
    const int rc = SSL_write(ssl_, data + total, static_cast<int>(std::min<std::size_t>(n - total, INT_MAX)));
    if (rc <= 0) {
      if (total > 0) break;
      const ssize_t r = would_block_or_fail(ssl_, rc, failed_);
      if (r == 0) {  // the peer's close_notify while writing: it is gone
        errno = EPIPE;
        return -1;
      }
      return r;
    }
    total += static_cast<std::size_t>(rc);
  }
  // Taken even if the socket takes only part: the rest waits in unsent_ for the next call.
  const Flush f = flush();
  slow_ = f == Flush::blocked;
  if (f == Flush::failed) return -1;
  return static_cast<ssize_t>(total);
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
  (void)flush();
}

}  // namespace nethttp::detail
