#pragma once
// RequestParser: llhttp in strict mode, plus the checks llhttp leaves to us (HeaderScanner,
// size limits, Host, Transfer-Encoding, version), filling a Request. It pauses after every
// complete message, so the caller answers requests strictly one at a time and in order.

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/chunk_scanner.hpp"
#include "http/header_scanner.hpp"
#include "nethttp/error.hpp"
#include "nethttp/request.hpp"

namespace nethttp::detail {

struct ParserLimits {
  std::size_t max_uri_bytes = 8 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::size_t max_chunk_extension_bytes = 4 * 1024;  ///< per chunk
  /// serve_connect lets CONNECT requests with an authority-form target through to the
  /// handler (ServerConfig::serve_connect); otherwise they fail as any non-origin target.
  bool serve_connect = false;
};

/// ParserEvents lets the owner act once the header block is complete, before the body
/// (Expect: 100-continue, early rejection). Return Error::Ok to go on.
class ParserEvents {
 public:
  virtual ~ParserEvents() = default;
  virtual Error on_request_headers(Request& request, bool has_body) = 0;
  /// stream_body runs first for a request with a body: true makes the parser pause with
  /// Status::headers and hand the body over as it arrives (see RequestParser::streaming).
  virtual bool stream_body(Request& request) {
    (void)request;
    return false;
  }
  /// on_message_start runs at the first byte of each request.
  virtual void on_message_start() = 0;
};

/// ParseScratch holds fields that may arrive in several fragments. It lives in the pooled
/// Exchange, not the connection, so idle connections keep no parse buffers.
struct ParseScratch {
  std::string field;   // current header name
  std::string value;   // current header value
  std::string target;  // request-target
  std::string method;
  std::string without_ext;  // a chunked body's bytes with chunk extensions cut out
  Headers trailers;         // a streamed chunked body's trailer fields
};

class RequestParser {
 public:
  /// headers: the header block of a request whose body streams is complete (see
  /// streaming()); call resume_body() before executing again.
  enum class Status { need_more, complete, error, headers };

  /// limits and events must outlive the parser (the loop owns one ParserLimits for all its
  /// connections; a copy per connection would cost idle memory).
  RequestParser(const ParserLimits& limits, ParserEvents& events);
  RequestParser(ParserLimits&& limits, ParserEvents& events) = delete;
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  /// bind sets where the next messages are parsed into (the request is reset at each
  /// message start). Both must stay bound while a message is in progress.
  void bind(Request* request, ParseScratch* scratch) noexcept {
    request_ = request;
    scratch_ = scratch;
  }
  /// execute parses from data; consumed tells how much was used. complete: one request is
  /// ready (call next_message() before executing again); error: see error().
  Status execute(std::string_view data, std::size_t& consumed);
  /// next_message resumes after a complete request.
  void next_message() noexcept;
  /// resume_body goes on after Status::headers. The body's bytes are then appended to the
  /// request's mutable_body() as they are parsed (the caller empties it as it hands them
  /// on), bounded by body_limit. A Content-Length over the limit fails at once (false).
  bool resume_body() noexcept;
  /// streaming is true from Status::headers until the message completes (or the next one).
  [[nodiscard]] bool streaming() const noexcept { return stream_; }
  /// set_body_limit bounds a streamed body (defaults to max_body_bytes at each message).
  void set_body_limit(std::uint64_t n) noexcept { body_limit_ = n; }
  [[nodiscard]] std::uint64_t body_limit() const noexcept { return body_limit_; }
  /// body_received counts the body bytes parsed so far for the current message (streamed).
  [[nodiscard]] std::uint64_t body_received() const noexcept { return body_received_; }
  /// declared_length is a streamed body's Content-Length (0 when chunked).
  [[nodiscard]] std::uint64_t declared_length() const noexcept { return declared_length_; }
  /// error is the failure (bad_request unless a limit or rule says otherwise).
  [[nodiscard]] Error error() const noexcept { return error_; }
  /// reason is a short text for a bad_request found by the header checks ("missing required
  /// Host header"), or "" when error()'s own message says enough.
  [[nodiscard]] std::string_view reason() const noexcept { return reason_; }
  /// keep_alive says whether the connection may carry another request (valid on complete).
  [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }
  /// in_message is true between the first byte of a request and its completion.
  [[nodiscard]] bool in_message() const noexcept { return in_message_; }
  /// headers_done is true once the current request's header block is complete.
  [[nodiscard]] bool headers_done() const noexcept { return headers_done_; }
  [[nodiscard]] bool is_head() const noexcept { return is_head_; }
  /// expects_continue is true when the current request asked for 100-continue.
  [[nodiscard]] bool expects_continue() const noexcept { return expect_continue_; }

 private:
  static int on_message_begin(llhttp_t* p);
  static int on_url(llhttp_t* p, const char* at, std::size_t len);
  static int on_version(llhttp_t* p, const char* at, std::size_t len);
  static int on_header_field(llhttp_t* p, const char* at, std::size_t len);
  static int on_header_value(llhttp_t* p, const char* at, std::size_t len);
  static int on_header_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, std::size_t len);
  static int on_chunk_extension(llhttp_t* p, const char* at, std::size_t len);
  static int on_chunk_header(llhttp_t* p);
  static int on_message_complete(llhttp_t* p);
  static const llhttp_settings_t& settings();

  Status run_llhttp(std::string_view data, std::size_t& consumed);
  /// run_head feeds header-block bytes: the method to take_method, the rest to llhttp.
  Status run_head(std::string_view data, std::size_t& consumed);
  /// take_method reads the method token from data at i (any token, RFC 9110 9.1), setting
  /// start to where its bytes in data begin; false with error_ set when it is not one.
  bool take_method(std::string_view data, std::size_t& i, std::size_t& start);
  void begin_message();
  int fail(Error e) noexcept;
  bool count_header_bytes(std::size_t n) noexcept;
  Error validate_headers();

  llhttp_t parser_;
  const ParserLimits& limits_;
  ParserEvents& events_;
  HeaderScanner scanner_;
  ChunkScanner chunks_;
  Request* request_ = nullptr;
  ParseScratch* scratch_ = nullptr;
  std::size_t header_bytes_ = 0;
  std::size_t chunk_ext_bytes_ = 0;
  std::uint64_t body_limit_ = 0;
  std::uint64_t body_received_ = 0;
  std::uint64_t declared_length_ = 0;  // a streamed body's Content-Length (0 for chunked)
  Error error_ = Error::Ok;
  std::string_view reason_;  // a string literal; see reason()
  bool keep_alive_ = false;
  bool in_message_ = false;
  bool headers_done_ = false;
  bool is_head_ = false;
  bool expect_continue_ = false;
  bool method_done_ = false;  // the method is read and llhttp has its stand-in
  bool stream_ = false;       // the current body streams
  bool at_headers_ = false;   // paused at the end of a streamed request's header block
  bool upgrade_ = false;      // the request asked for an Upgrade (not CONNECT): see next_message
};

}  // namespace nethttp::detail
