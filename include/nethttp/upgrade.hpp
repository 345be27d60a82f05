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
/// handshake's Sec-WebSocket-Accept, say). Once the 101 has been written, on_upgraded runs
/// on the connection's loop thread with the stream. Call it from the handler itself (not
/// after defer()), before anything was written, and write nothing more to w. Returns false,
/// doing nothing, when r is not an upgrade request (is_upgrade_request) or w cannot switch
/// protocols (already written, deferred, not a server connection such as a
/// ResponseRecorder, or a TLS connection: upgrades over TLS are not supported yet); the
/// handler then answers normally (426 Upgrade Required, say).
/// If the client leaves before the 101 is written, on_upgraded never runs.
bool accept_upgrade(ResponseWriter& w, const Request& r, std::string_view protocol,
                    std::function<void(std::shared_ptr<UpgradedStream>)> on_upgraded);

/// hijack is accept_upgrade() for code with its own I/O: after the 101 is written, the
/// server removes the socket from its loop, forgets it entirely (shutdown() will not close
/// it), and on_hijacked receives it with the bytes already read past the request, on the
/// loop thread (move them elsewhere and return promptly).
bool hijack(ResponseWriter& w, const Request& r, std::string_view protocol,
            std::function<void(HijackedConnection)> on_hijacked);

}  // namespace nethttp
