#pragma once
/// \file middleware.hpp
/// Ready-made Middleware: access log, recovery, request id, CORS, rate limiting, basic auth
/// and gzip compression. Each is a Middleware (handler.hpp) to compose with chain():
///
///     Handler h = chain(api, {request_id(), access_log({}), recovery(), cors(opts),
///                             rate_limit({}), gzip()});
///
/// Every Middleware returned here is thread-safe: the handlers it builds are called from
/// every loop thread at once. Metrics are in metrics.hpp, health checks in health.hpp.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "nethttp/handler.hpp"
#include "nethttp/logger.hpp"

namespace nethttp {

// ---- Access log -------------------------------------------------------------------------

/// AccessLogFormat selects the line format of access_log().
enum class AccessLogFormat {
  /// common is the NCSA Common Log Format:
  /// `127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 2326`.
  Common,
  /// combined is Common plus the quoted Referer and User-Agent (Apache's "combined").
  Combined,
  /// json is one JSON object per line with time, remote, method, uri, proto, status, bytes,
  /// duration_ms, referer, user_agent, request_id and completed.
  Json,
};

/// AccessLogOptions configures access_log().
struct AccessLogOptions {
  /// format is the line format.
  AccessLogFormat format = AccessLogFormat::Combined;
  /// destination is "stdout", "stderr", or the path of a file to append to (missing parent
  /// directories are created).
  std::string destination = "stdout";
  /// queue_lines bounds the lines waiting for the writer thread. When the disk (or a
  /// terminal) is slower than the traffic, the oldest waiting lines are dropped rather than
  /// blocking an event loop.
  std::size_t queue_lines = 8192;
  /// flush_every_line flushes after each line (on the writer thread, never on a loop), so
  /// the file is current; turn it off for throughput.
  bool flush_every_line = true;
  /// sink, if set, receives every line (formatted as `format` says, without a newline)
  /// instead of destination, so an application can route them into its own logger, e.g.
  /// `opts.sink = [lg](std::string_view line) { lg->info("{}", line); };`. It is called on
  /// the access log's writer thread, never on an event loop, one line at a time and in
  /// order; queue_lines and flush() apply as for a file. An exception it throws is caught
  /// and the line dropped.
  std::function<void(std::string_view line)> sink;
};

/// AccessLog writes one line per finished response through an asynchronous logger: the
/// loop thread only formats the line and queues it, and a writer thread of its own does
/// the I/O. Lines are written when the response finishes (ResponseWriter::on_finish), so a
/// deferred response is logged with its real status, size and duration. The request fields
/// are those seen when the request entered the middleware: put request_id() outside it to
/// log the id. Copies share one writer; the last copy destroyed drains the queue and stops
/// the writer thread. Thread-safe.
class AccessLog {
 public:
  /// AccessLog opens the destination. Throws std::runtime_error if the file cannot be opened.
  explicit AccessLog(const AccessLogOptions& options = {});
  /// middleware returns the Middleware that logs through this AccessLog.
  [[nodiscard]] Middleware middleware() const;
  /// reject_observer returns a callback that logs, through this AccessLog, the responses
  /// the server writes itself when it rejects a request before any handler runs (400, 408,
  /// 413, 414, 431, ...). Add it to ServerConfig::reject_observers (a ResponseObserver);
  /// such lines have a duration of 0 and whatever request fields were parsed ("-" for the
  /// rest).
  [[nodiscard]] std::function<void(const Request&, const ResponseStats&)> reject_observer() const;
  /// flush waits up to timeout until every line queued before the call has been written
  /// and flushed to the destination. Returns false on timeout (under overload, dropped
  /// lines can take the flush request with them).
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  /// reopen closes and reopens a file destination under its configured path, for log
  /// rotation: after logrotate (or mv) renamed the file, lines go to a new file at the
  /// path, as nginx does on SIGUSR1 and Apache on a graceful restart. Lines queued before
  /// the call may land in either file; none is lost. For "stdout", "stderr" or a sink it does
  /// nothing. Thread-safe: call it from any thread (a signal-waiting thread, not a signal
  /// handler), also while the log is busy. Returns the error (and keeps writing to the old
  /// file) when the path cannot be opened.
  std::error_code reopen() const;

  /// State is the writer that copies share; it is defined in the implementation.
  class State;

 private:
  std::shared_ptr<State> state_;
};

/// access_log returns AccessLog(options).middleware(). Throws like AccessLog's constructor.
Middleware access_log(const AccessLogOptions& options = {});

// ---- Recovery ---------------------------------------------------------------------------

/// recovery turns an exception escaping the wrapped handler into a 500 "500 internal server
/// error" when nothing has been sent yet (ResponseWriter::status() is 0), logging it at
/// error level with the request line through logger (null: default_logger()). When the
/// status line is already out, it logs and rethrows, so the server closes the connection.
/// If the handler had deferred its response, nothing is written here: the DeferredResponse
/// answers 500 itself when it is dropped. Either way the server keeps serving.
Middleware recovery(std::shared_ptr<Logger> logger = nullptr);

// ---- Request id -------------------------------------------------------------------------

/// RequestIdOptions configures request_id().
struct RequestIdOptions {
  /// header is the request and response header that carries the id.
  std::string header = "X-Request-ID";
  /// trust_incoming keeps an id the client sent when it is 1 to max_length visible ASCII
  /// characters; otherwise (or when false) a fresh id replaces it.
  bool trust_incoming = true;
  std::size_t max_length = 128;  ///< the longest incoming id that is kept
};

/// request_id makes sure every request has an id: it keeps a valid incoming one or
/// generates one (new_request_id()), sets it on the request's headers, so inner handlers and
/// the access log see it, and on the response's headers. Inner handlers read it with
/// request_id_of(r) (a per-request value).
Middleware request_id(RequestIdOptions options = {});

/// request_id_of returns the id request_id() gave r, or "" when r did not pass through
/// request_id(). It reads the per-request value (Request::value), so it works whatever the
/// header is called and even if an inner handler changed the header.
std::string_view request_id_of(const Request& r) noexcept;

/// new_request_id returns 16 random lowercase hex characters from a per-thread PRNG seeded
/// from std::random_device. Thread-safe. Ids are unique in practice, not unguessable.
std::string new_request_id();

// ---- CORS -------------------------------------------------------------------------------

/// CorsOptions configures cors(). Origins are compared exactly ("https://a.example"), except
/// that "*" alone allows every origin and one "*" inside an entry matches any run of
/// characters ("https://*.example.com").
struct CorsOptions {
  std::vector<std::string> allowed_origins = {"*"};  ///< who may call us (see above)
  /// allowed_methods lists what a preflight may ask for (compared case-sensitively, as the
  /// Fetch standard does).
  std::vector<std::string> allowed_methods = {"GET", "HEAD", "POST"};
  /// allowed_headers lists the request headers a preflight may ask for (case-insensitive);
  /// "*" allows any header (only without credentials, per the Fetch standard).
  std::vector<std::string> allowed_headers = {"Content-Type"};
  /// exposed_headers become Access-Control-Expose-Headers on actual responses.
  std::vector<std::string> exposed_headers;
  /// allow_credentials sends Access-Control-Allow-Credentials: true; the allowed origin is
  /// then echoed instead of "*".
  bool allow_credentials = false;
  /// max_age, when positive, becomes Access-Control-Max-Age on preflight answers.
  std::chrono::seconds max_age{0};
};

/// cors implements CORS (Fetch standard). A preflight (OPTIONS with Origin and
/// Access-Control-Request-Method) is answered 204 by the middleware and never reaches the
/// handler: with the Access-Control-Allow-* headers when origin, method and headers are
/// allowed, and with none of them otherwise. Other requests go to the handler; an allowed
/// Origin gets Access-Control-Allow-Origin (and -Credentials, -Expose-Headers), a
/// disallowed one gets no CORS headers. `Vary: Origin` is added whenever the answer
/// depends on the origin (always, unless every origin is allowed without credentials).
/// Throws std::invalid_argument for an origin pattern with more than one "*".
Middleware cors(const CorsOptions& options = {});

// ---- Rate limiting ----------------------------------------------------------------------

/// RateLimitOptions configures rate_limit().
struct RateLimitOptions {
  /// rate is how many requests per second each key may make in the long run.
  double rate = 10;
  /// burst is how many requests a key may make at once (the bucket size, at least 1).
  double burst = 20;
  /// max_keys bounds the keys remembered; beyond it the least recently seen are forgotten
  /// (a forgotten key starts again with a full bucket).
  std::size_t max_keys = 100'000;
  /// key picks the client of a request; empty means the IP part of remote_addr().
  std::function<std::string(const Request&)> key;
};

/// rate_limit applies a token bucket per client key: each request takes one token, tokens
/// come back at options.rate per second up to options.burst. A request finding no token gets
/// 429 with `Retry-After` (seconds until a token is back, rounded up). State is sharded
/// across mutexes by key, so loops rarely contend. Throws std::invalid_argument when rate is not
/// positive, burst is below 1 or max_keys is 0.
Middleware rate_limit(RateLimitOptions options = {});

/// client_ip returns the address part of a remote address: "1.2.3.4" from "1.2.3.4:5555",
/// "::1" from "[::1]:5555". A string without a port is returned as is.
std::string_view client_ip(std::string_view remote_addr) noexcept;

// ---- Basic auth -------------------------------------------------------------------------

/// BasicCredentials is one user name and password accepted by basic_auth().
struct BasicCredentials {
  std::string user;      ///< the user name, compared exactly
  std::string password;  ///< the password, compared in constant time
};

/// basic_auth requires HTTP Basic authentication (RFC 7617) with one of users. Each attempt
/// compares the user and the password against every entry in time that does not depend on
/// where they differ (no early exit). A missing, malformed or wrong Authorization gets 401
/// with `WWW-Authenticate: Basic realm="<realm>", charset="UTF-8"`, and the handler is not
/// called. On success the handler reads the user name with basic_auth_user(r).
Middleware basic_auth(std::string_view realm, std::vector<BasicCredentials> users);

/// basic_auth_user returns the user name basic_auth() accepted for r, or "" when r did not
/// pass through basic_auth() (a per-request value, see Request::value).
std::string_view basic_auth_user(const Request& r) noexcept;

// ---- gzip -------------------------------------------------------------------------------

/// GzipOptions configures gzip().
struct GzipOptions {
  /// level is the zlib level, 1 (fast) to 9 (small), or -1 for zlib's default (6).
  int level = -1;
  /// min_bytes: bodies shorter than this are sent as they are (compressing them costs more
  /// than it saves); the writer buffers up to this many bytes to decide.
  std::size_t min_bytes = 1024;
};

/// gzip compresses responses with zlib when the client accepts gzip (Accept-Encoding,
/// q=0 respected) and the Content-Type is compressible (text/*, JSON, JavaScript, XML, SVG,
/// ...; never text/event-stream, whose events must not be held back). Compressed responses get `Content-Encoding:
/// gzip`, lose any Content-Length, and a strong ETag becomes weak. `Vary: Accept-Encoding` is added to every response
/// of a compressible type. Passed through unchanged: HEAD requests, bodies under min_bytes, responses that already have
/// a Content-Encoding, 206 or Content-Range responses, bodyless statuses, and bodies that start with send_file().
/// flush() starts compression early and sends what is compressed so far (for streaming).
///
/// defer() on the wrapped writer turns compression off and forwards to the real writer, so
/// deferred responses are sent uncompressed; calling it after compressed bytes were sent
/// throws std::logic_error. Throws std::invalid_argument for a level outside -1..9.
Middleware gzip(GzipOptions options = {});

}  // namespace nethttp
