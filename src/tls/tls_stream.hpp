#pragma once
// TlsStream: the TLS side of one connection's socket — the transport seam under
// Connection. A cleartext connection has none and calls read/sendmsg/sendfile itself; a TLS
// connection routes the same calls here. Every call is non-blocking and follows the
// conventions of the syscall it replaces (bytes, 0 for end of stream, -1 with errno EAGAIN
// when OpenSSL wants the socket readable or writable, which edge-triggered epoll then
// reports), so Connection's state machine is the same for both. Loop thread only.
//
// I/O: unless the kernel does TLS (which needs OpenSSL on the socket itself), OpenSSL talks
// to the socket through this stream (StreamBio):
// - Output is encrypted into the stream's own buffer (unsent_) and sent from there, so
//   several records leave in one send: the server's last handshake flight (TLS 1.3 session
//   tickets) goes out with the first response instead of in writes of its own, and a 64 KiB
//   write is one send, not four. Bytes the kernel did not take wait there (has_unsent) and
//   go first at the next write or flush.
// - Input: a read that did not fill OpenSSL's buffer emptied the socket, so until the next
//   readable edge (on_readable) OpenSSL is told to wait without another read(2) that would
//   only say EAGAIN — what the cleartext path does with a short read.
// - The first bytes are checked for plaintext HTTP as OpenSSL reads them (Handshake::plaintext),
//   with no separate peek.
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "nethttp/tls.hpp"

struct ssl_st;

namespace nethttp::detail {

class LoopTls;

/// openssl_on_socket_for_tests makes new streams let OpenSSL read and write the socket itself,
/// as they do only where the kernel offers TLS, so tests here cover that path too. One relaxed
/// load per accepted TLS connection.
extern std::atomic<bool> openssl_on_socket_for_tests;

class TlsStream {
 public:
  /// accept makes the stream for an accepted socket, or returns null (out of memory).
  static std::unique_ptr<TlsStream> accept(LoopTls& loop, int fd);
  TlsStream(LoopTls& loop, ssl_st* ssl) noexcept;
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  enum class Handshake { done, want, failed, plaintext };
  /// handshake advances the handshake: done (then info() is filled), want (wait for the
  /// socket), failed (a protocol error or the peer left: close), plaintext (the client's
  /// first byte does not start a TLS handshake record: first_byte() says what it was).
  Handshake handshake() noexcept;
  /// first_byte is the client's first byte, once handshake() said plaintext.
  [[nodiscard]] unsigned char first_byte() const noexcept { return first_byte_; }
  [[nodiscard]] bool established() const noexcept { return established_; }
  /// handshake_wants_write: the handshake waits for the socket to take more (not for the
  /// client), so a writable event is worth resuming it for.
  [[nodiscard]] bool handshake_wants_write() const noexcept { return handshake_wants_write_; }
  /// has_pending: decrypted or read-ahead bytes wait inside OpenSSL.
  [[nodiscard]] bool has_pending() const noexcept;
  /// read decrypts up to n bytes into buf: read(2)'s conventions. A close_notify or the
  /// peer's FIN is end of stream (0). Data may stay buffered inside OpenSSL after the
  /// socket said EAGAIN, so a caller reads until this returns -1/EAGAIN.
  ssize_t read(char* buf, std::size_t n) noexcept;
  /// write encrypts and sends up to n bytes (at least one record when it returns > 0).
  /// After -1/EAGAIN the next call must start with the same bytes (it may pass more).
  /// Bytes it returns as written may still wait in has_unsent() when the socket is full.
  ssize_t write(const char* data, std::size_t n) noexcept;
  /// has_unsent: encrypted bytes wait for the socket (a full socket, or the handshake's
  /// last flight held back to leave with the first response). flush() sends them.
  [[nodiscard]] bool has_unsent() const noexcept { return unsent_from_ < unsent_.size(); }
  enum class Flush { done, blocked, failed };
  /// flush sends what has_unsent() holds: done (nothing left), blocked (the socket is full:
  /// wait for writable), failed (errno set; close).
  Flush flush() noexcept;
  /// release_buffer frees the output buffer's memory if nothing waits in it (the connection
  /// went idle).
  void release_buffer() noexcept {
    if (!has_unsent()) std::string().swap(unsent_);
  }
  /// ktls_send is true when the kernel encrypts (kernel TLS): then send_file works.
  [[nodiscard]] bool ktls_send() const noexcept;
  /// send_file sends a file range through kernel TLS (SSL_sendfile); only if ktls_send().
  ssize_t send_file(int file_fd, std::uint64_t offset, std::size_t n) noexcept;
  /// shutdown sends close_notify if it can without blocking.
  void shutdown() noexcept;
  /// info describes the session (valid once established).
  [[nodiscard]] const TlsInfo& info() const noexcept { return info_; }
  [[nodiscard]] LoopTls& loop() const noexcept { return loop_; }
  /// read_wants_write: the last read stopped because OpenSSL must write first (a TLS 1.3
  /// KeyUpdate answer into a full socket): the next writable edge resumes reading.
  [[nodiscard]] bool read_wants_write() const noexcept { return read_wants_write_; }
  /// on_readable: the socket reported new input (a readable or hang-up edge).
  void on_readable() noexcept { drained_ = false; }
  /// socket_drained: the last read emptied the socket and no readable edge came since.
  [[nodiscard]] bool socket_drained() const noexcept { return drained_; }

 private:
  friend struct StreamBio;  // the BIO between OpenSSL and the socket
  /// append takes ciphertext from OpenSSL.
  void append(const char* data, std::size_t n);
  /// socket_read reads for OpenSSL: read(2)'s result, or -1 with *retry set for "wait".
  int socket_read(char* buf, int len, bool& retry) noexcept;
  /// sniff checks the first byte read for a TLS handshake record (socket BIO mode: a peek).
  Handshake sniff() noexcept;
  ssize_t write_buffered(const char* data, std::size_t n) noexcept;

  LoopTls& loop_;
  ssl_st* ssl_;
  int fd_ = -1;
  bool own_io_ = false;   // OpenSSL talks to the socket through StreamBio (see above)
  bool drained_ = false;  // the socket had nothing more at the last read
  bool sniffed_ = false;  // the first byte was checked
  bool plaintext_ = false;
  unsigned char first_byte_ = 0;
  std::string unsent_;  // ciphertext not yet taken by the kernel, from unsent_from_ on
  std::size_t unsent_from_ = 0;
  bool blocked_ = false;  // the last flush left bytes: the socket is full
  bool slow_ = false;     // ...after a write: encrypt one record at a time until it drains
  TlsInfo info_;
  std::string server_name_;
  bool established_ = false;
  bool failed_ = false;  // a fatal error: no close_notify
  bool read_wants_write_ = false;
  bool handshake_wants_write_ = false;
};

}  // namespace nethttp::detail
