// Stand-ins for a build without TLS (NETHTTP_TLS off): Server::listen() refuses listen_tls
// before any of these could be reached, so none of them does anything.
#include "http/output_queue.hpp"
#include "tls/session_store.hpp"
#include "tls/tls_context.hpp"
#include "tls/tls_stream.hpp"

namespace nethttp {

TlsResult check_tls_config(const TlsConfig&) {
  return TlsResult{false, "tls: this build of nethttp has no TLS (NETHTTP_TLS off)"};
}

}  // namespace nethttp

namespace nethttp::detail {

class TicketKeys {};
struct TlsMaterial {};

TlsServerState::TlsServerState(TlsConfig config) : config_(std::move(config)) {}
TlsServerState::~TlsServerState() = default;
TlsResult TlsServerState::load() { return check_tls_config(config_); }
std::shared_ptr<const TlsMaterial> TlsServerState::material() const { return nullptr; }

LoopTls::LoopTls(TlsServerState& s) : state(s) {}
LoopTls::~LoopTls() = default;
ssl_st* LoopTls::new_ssl() { return nullptr; }

std::atomic<bool> openssl_on_socket_for_tests{false};
std::unique_ptr<TlsStream> TlsStream::accept(LoopTls&, int) { return nullptr; }
TlsStream::TlsStream(LoopTls& loop, ssl_st* ssl) noexcept : loop_(loop), ssl_(ssl) {}
TlsStream::~TlsStream() = default;
TlsStream::Handshake TlsStream::handshake() noexcept { return Handshake::failed; }
ssize_t TlsStream::read(char*, std::size_t) noexcept { return 0; }
ssize_t TlsStream::write(const char*, std::size_t) noexcept { return -1; }
bool TlsStream::ktls_send() const noexcept { return false; }
bool TlsStream::has_pending() const noexcept { return false; }
ssize_t TlsStream::send_file(int, std::uint64_t, std::size_t) noexcept { return -1; }
void TlsStream::shutdown() noexcept {}
TlsStream::Flush TlsStream::flush() noexcept { return Flush::done; }

OutputQueue::Result OutputQueue::write_to(TlsStream&, std::size_t, std::size_t& written) {
  written = 0;
  return Result::failed;
}

}  // namespace nethttp::detail
