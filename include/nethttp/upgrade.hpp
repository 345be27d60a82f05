#pragma once
/// \file upgrade.hpp
/// Taking over a connection: `101 Switching Protocols` (Upgrade), then either a byte stream
/// driven on the connection's loop (accept_upgrade) or a plain descriptor (hijack; Go:
/// http.Hijacker).

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/request.hpp"
#include "nethttp/response_writer.hpp"
#include "nethttp/unique_fd.hpp"

namespace nethttp {

/// is_upgrade_request reports whether r asks to switch protocols: HTTP/1.1, an `Upgrade`
/// header and `upgrade` among the `Connection` tokens (RFC 9110 7.8).
bool is_upgrade_request(const Request& r);

/// UpgradedStream is an upgraded connection that stays on its event loop: bytes in through
/// on_data(), bytes out through write() with the same backpressure as a streaming response.
///
/// Loop-thread only: every member must be called on the loop thread that owns it (inside its
/// callbacks, or in the accept_upgrade() callback); from another thread, hand work to the
/// loop some other way (e.g. keep a DeferredResponse-like queue of your own). Callbacks run
/// on that thread; one that throws is logged and the stream is closed.
///
/// The server forgets an upgraded stream for timeouts, connection limits and stats (no
/// idle, read or write timeout applies: the protocol on top brings its own), but closes it
/// when shutdown() begins or close() is called (on_close runs then).
class UpgradedStream {
 public:
  virtual ~UpgradedStream() = default;
  /// on_data sets the function that receives bytes as they arrive; the bytes the client sent
  /// past the upgrade request come first. Reading pauses while no function is set.
  virtual void on_data(std::function<void(std::string_view)> fn) = 0;
  /// on_close sets the function run once when the stream ends: the peer closed, an error,
  /// close(), or the server's shutdown.
  virtual void on_close(std::function<void()> fn) = 0;
  /// write queues bytes and sends what the socket takes. Returns false once closed.
  virtual bool write(std::string_view data) = 0;
  /// buffered_bytes counts bytes queued and not yet handed to the kernel.
  [[nodiscard]] virtual std::size_t buffered_bytes() const noexcept = 0;
  /// congested reports buffered_bytes() at or past ServerConfig::output_high_water.
  [[nodiscard]] virtual bool congested() const noexcept = 0;
  /// on_writable runs fn once the queue has drained to half of output_high_water (on the
  /// next loop turn if it already has). One pending function; a later call replaces it.
  /// If the last function run wrote nothing, the next one waits for the next write() to
  /// drain instead of running every loop turn (no polling; see ResponseWriter::on_writable).
  virtual void on_writable(std::function<void()> fn) = 0;
  /// close sends what is queued, then closes (half-close, then close). Idempotent.
  virtual void close() = 0;
  /// closed reports whether the stream has ended.
  [[nodiscard]] virtual bool closed() const noexcept = 0;
  /// remote_addr is the peer's "ip:port".
  [[nodiscard]] virtual std::string_view remote_addr() const noexcept = 0;
};

/// HijackedConnection is a connection the server has let go of entirely.
struct HijackedConnection {
  /// fd is the connected socket: non-blocking, close-on-exec, owned by you now.
  UniqueFd fd;
  /// buffered holds the bytes the client sent past the upgrade request, already read.
  std::string buffered;
  /// remote_addr is the peer's "ip:port".
  std::string remote_addr;
};

/// accept_upgrade answers an upgrade request with `101 Switching Protocols`, `Upgrade:
/// protocol`, `Connection: Upgrade` and whatever else is in w.headers() (a WebSocket
/// handshake's Sec-WebSocket-Accept, say); never for a CONNECT request (see
/// accept_connect()). Once the 101 has been written, on_upgraded runs
/// on the connection's loop thread with the stream. Call it from the handler itself (not
/// after defer()), before anything was written, and write nothing more to w. Returns false,
/// doing nothing, when r is not an upgrade request (is_upgrade_request) or w cannot switch
/// protocols (already written, deferred, or not a server connection such as a
/// ResponseRecorder); the handler then answers normally (426 Upgrade Required, say), and
/// the request is an ordinary HTTP/1.1 one: the connection goes on to the next request.
/// Over TLS (r.tls() set) the stream goes on through the connection's TLS session: on_data
/// receives decrypted bytes (those the client sent in the same record as the request
/// first), write() encrypts, close() sends close_notify before the FIN.
/// If the client leaves before the 101 is written, on_upgraded never runs.
bool accept_upgrade(ResponseWriter& w, const Request& r, std::string_view protocol,
                    std::function<void(std::shared_ptr<UpgradedStream>)> on_upgraded);

/// hijack is accept_upgrade() for code with its own I/O: after the 101 is written, the
/// server removes the socket from its loop, forgets it entirely (shutdown() will not close
/// it), and on_hijacked receives it with the bytes already read past the request, on the
/// loop thread (move them elsewhere and return promptly).
/// Returns false, doing nothing, for a TLS connection (r.tls() set): its socket carries TLS
/// records, and the session that makes sense of them (keys, sequence numbers, records
/// OpenSSL has already read from the socket) lives in the server's SSL object, which a
/// plain descriptor cannot carry. Use accept_upgrade() there.
bool hijack(ResponseWriter& w, const Request& r, std::string_view protocol,
            std::function<void(HijackedConnection)> on_hijacked);

/// is_connect_request reports whether r is a `CONNECT host:port` request (authority-form
/// target: r.target() and r.host() are "host:port", r.path() is empty). The server lets
/// these reach a handler only with ServerConfig::serve_connect; otherwise it answers 400.
/// A ServeMux routes them by host with the path "/" (Go: ServeMux and CONNECT), so
/// `mux.handle("CONNECT /", proxy)` takes them all.
bool is_connect_request(const Request& r);

/// accept_connect opens the tunnel a CONNECT request asks for: it answers `200 Connection
/// established` (no Content-Length, Transfer-Encoding or Connection field, RFC 9110 9.3.6;
/// other fields in w.headers() are sent) and, once that is written, runs on_tunnel on the
/// connection's loop thread with the client's side of the tunnel as an UpgradedStream; the
/// bytes the client sent past the CONNECT head (a TLS ClientHello, say) come first to
/// on_data. Connecting to the target is the handler's business (here or in on_tunnel).
/// Same rules as accept_upgrade(): call it from the handler itself before anything was
/// written; returns false, doing nothing, when r is not a CONNECT request
/// (is_connect_request) or w cannot switch (written, deferred, a ResponseRecorder). Over
/// TLS the tunnel runs inside the connection's TLS session, as for accept_upgrade().
/// A CONNECT answered any other way (403, 502, ...) ends the connection after the
/// answer, since what the client sent after it is not HTTP.
bool accept_connect(ResponseWriter& w, const Request& r,
                    std::function<void(std::shared_ptr<UpgradedStream>)> on_tunnel);

/// hijack_connect is accept_connect() for code with its own I/O: after the 200 is written
/// the server forgets the connection and on_hijacked receives the socket and the bytes
/// already read past the CONNECT head, as hijack() does; not over TLS (see hijack()).
bool hijack_connect(ResponseWriter& w, const Request& r, std::function<void(HijackedConnection)> on_hijacked);

}  // namespace nethttp
