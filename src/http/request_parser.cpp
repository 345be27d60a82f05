#include "http/request_parser.hpp"

#include <algorithm>
#include <array>

#include "core/char_table.hpp"
#include "core/escape.hpp"
#include "core/header_list.hpp"

namespace nethttp::detail {

namespace {

RequestParser& self(llhttp_t* p) { return *static_cast<RequestParser*>(p->data); }

// kHostChar marks the bytes of a reg-name or IPv4 address (RFC 3986 3.2.2): unreserved and
// sub-delims, except the comma (it is how two Host lines are joined into one, and no DNS
// name has one); '%' starts a pct-encoded triplet, checked apart. A table, since every
// request's Host passes through it.
inline constexpr CharTable kHostChar = alnum_and("-._~!$&'()*+;=");

// kControl marks control bytes, space and DEL, which a request-target may not hold.
inline constexpr std::array<bool, 256> kControl = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c <= 0x20; ++c) t[static_cast<unsigned char>(c)] = true;
  t[0x7F] = true;
  return t;
}();

bool is_hex(char c) noexcept { return hex_value(c) >= 0; }

// valid_port: RFC 3986's port, *DIGIT, after the colon.
bool valid_port(std::string_view s) noexcept {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// valid_ip_literal: "[...]" with the bytes of IPv6 addresses, IPvFuture and zone IDs.
bool valid_ip_literal(std::string_view s) noexcept {
  if (s.size() < 3 || s.back() != ']') return false;
  for (char c : s.substr(1, s.size() - 2)) {
    if (!(kHostChar[static_cast<unsigned char>(c)] || c == ':' || c == '%')) return false;
  }
  return true;
}

// valid_host checks a Host value (or an absolute-form authority) as RFC 9112 3.2 wants it:
// uri-host [ ":" port ], uri-host being an IP-literal in brackets or a reg-name / IPv4 (see
// kHostChar). Userinfo ("user@"), a path, spaces, commas and control bytes all fail.
bool valid_host(std::string_view h) noexcept {
  if (!h.empty() && h.front() == '[') {
    const std::size_t close = h.find(']');
    if (close == std::string_view::npos || !valid_ip_literal(h.substr(0, close + 1))) return false;
    h.remove_prefix(close + 1);
    return h.empty() || (h.front() == ':' && valid_port(h.substr(1)));
  }
  const char* p = h.data();
  const char* const end = p + h.size();
  for (;;) {
    while (p != end && kHostChar[static_cast<unsigned char>(*p)]) ++p;
    if (p == end) return true;
    if (*p == ':') return valid_port(std::string_view(p + 1, static_cast<std::size_t>(end - p - 1)));
    if (*p != '%' || end - p < 3 || !is_hex(p[1]) || !is_hex(p[2])) return false;
    p += 3;
  }
}

// valid_authority_form checks a CONNECT target (RFC 9110 9.3.6, RFC 9112 3.2.3): uri-host
// ":" port, both present, the port a number up to 65535. No userinfo, path or spaces.
bool valid_authority_form(std::string_view t) noexcept {
  const std::size_t colon = t.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view host = t.substr(0, colon);
  const std::string_view port = t.substr(colon + 1);
  if (port.empty() || port.size() > 5 || !valid_port(port)) return false;
  unsigned value = 0;
  for (char c : port) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value > 65535) return false;
  if (host.front() == '[') return valid_ip_literal(host);
  return host.find(':') == std::string_view::npos && valid_host(host);
}

// common_method reports the methods llhttp parses with plain request framing, so it may read
// them itself (no stand-in call): the usual ones, and the ones nginx knows.
bool common_method(std::string_view m) noexcept {
  switch (m.size()) {
    case 3: return m == "GET" || m == "PUT";
    case 4: return m == "HEAD" || m == "POST";
    case 5: return m == "PATCH";
    case 6: return m == "DELETE";
    case 7: return m == "OPTIONS";
    default: return false;
  }
}

// has_control reports a control byte, space or DEL in a request-target (Go refuses them).
bool has_control(std::string_view s) noexcept {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p != end && !kControl[static_cast<unsigned char>(*p)]) ++p;
  return p != end;
}

}  // namespace

const llhttp_settings_t& RequestParser::settings() {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t st;
    llhttp_settings_init(&st);
    st.on_message_begin = &RequestParser::on_message_begin;
    st.on_url = &RequestParser::on_url;
    st.on_version = &RequestParser::on_version;
    st.on_header_field = &RequestParser::on_header_field;
    st.on_header_value = &RequestParser::on_header_value;
    st.on_header_value_complete = &RequestParser::on_header_value_complete;
    st.on_headers_complete = &RequestParser::on_headers_complete;
    st.on_body = &RequestParser::on_body;
    st.on_chunk_extension_name = &RequestParser::on_chunk_extension;
    st.on_chunk_extension_value = &RequestParser::on_chunk_extension;
    st.on_chunk_header = &RequestParser::on_chunk_header;
    st.on_message_complete = &RequestParser::on_message_complete;
    return st;
  }();
  return s;
}

RequestParser::RequestParser(const ParserLimits& limits, ParserEvents& events)
    : limits_(limits), events_(events), chunks_(limits.max_chunk_extension_bytes) {
  llhttp_init(&parser_, HTTP_REQUEST, &settings());
  // Any HTTP/1.x passes llhttp; validate_headers answers it as HTTP/1.1 (RFC 9110 2.5).
  parser_.lenient_flags |= LENIENT_VERSION;
  parser_.data = this;
}

int RequestParser::fail(Error e) noexcept {
  error_ = e;
  return -1;
}

bool RequestParser::count_header_bytes(std::size_t n) noexcept {
  header_bytes_ += n;
  return header_bytes_ <= limits_.max_header_bytes;
}

RequestParser::Status RequestParser::execute(std::string_view data, std::size_t& consumed) {
  consumed = 0;
  if (error_ != Error::Ok) return Status::error;
  std::size_t offset = 0;  // where the body starts, when the header block ends in data
  if (!scanner_.done()) {
    std::size_t scanned = 0;
    switch (scanner_.scan(data, scanned)) {
      case HeaderScanner::Result::error: {
        // Let llhttp see the bytes up to the fault first: a limit it hits there (431/414)
        // replaces the generic 400 set here.
        error_ = Error::BadRequest;
        if (scanned > 0) run_head(data.substr(0, scanned), consumed);
        consumed = 0;
        return Status::error;
      }
      case HeaderScanner::Result::need_more: return run_head(data, consumed);
      case HeaderScanner::Result::done: {
        // The header block alone first: only then is it known whether a chunked body
        // follows, whose framing must pass the ChunkScanner before llhttp reads it.
        Status st = run_head(data.substr(0, scanned), consumed);
        if (st == Status::headers) consumed = scanned;  // the whole block is read
        if (st != Status::need_more || scanned == data.size()) return st;
        offset = scanned;
        break;
      }
    }
  }

  std::string_view body = data.substr(offset);
  bool framing_done = false;
  if (headers_done_ && (parser_.flags & F_CHUNKED)) {
    std::size_t framed = 0;
    std::string& without_ext = scratch_->without_ext;
    const ChunkScanner::Result r = chunks_.scan(body, framed, without_ext);
    body = body.substr(0, framed);
    if (r == ChunkScanner::Result::error) {
      error_ = Error::BadRequest;
      const std::string_view seen = chunks_.stripped() ? std::string_view(without_ext) : body;
      if (!seen.empty()) llhttp_execute(&parser_, seen.data(), seen.size());  // a 413 there wins
      return Status::error;
    }
    framing_done = r == ChunkScanner::Result::done;
    if (chunks_.stripped()) {
      // llhttp reads the body without its chunk extensions; all of it, since the scanner
      // stops exactly where the message ends.
      std::size_t used = 0;
      const Status st = run_llhttp(without_ext, used);
      if (st == Status::error) return st;
      if (used != without_ext.size() || (framing_done != (st == Status::complete))) {
        error_ = Error::BadRequest;  // the two parsers disagree on where the message ends
        return Status::error;
      }
      consumed = offset + framed;
      return st;
    }
  }
  std::size_t used = 0;
  Status st = run_llhttp(body, used);
  consumed = offset + used;
  if (framing_done && st == Status::need_more) {
    error_ = Error::BadRequest;  // the two parsers disagree on where the message ends
    return Status::error;
  }
  return st;
}

RequestParser::Status RequestParser::run_head(std::string_view data, std::size_t& consumed) {
  std::size_t i = 0;
  if (!method_done_) {
    std::size_t method_at = 0;  // where this call's method bytes start
    if (!take_method(data, i, method_at)) {
      consumed = i;
      return Status::error;
    }
    if (!method_done_) {
      consumed = data.size();
      return Status::need_more;
    }
    const std::string_view method = scratch_->method;
    if (i - method_at == method.size() && common_method(method)) {
      i = method_at;  // the whole method is in data: llhttp reads it there
    } else {
      // llhttp 8.1 knows a fixed list of methods and refuses the rest, while any token is a
      // method (RFC 9110 9.1). It reads a stand-in instead: framing does not depend on the
      // method, except for CONNECT's authority-form target.
      const std::string_view stand_in = method == "CONNECT" ? "CONNECT" : "GET";
      if (llhttp_execute(&parser_, stand_in.data(), stand_in.size()) != HPE_OK) {
        if (error_ == Error::Ok) error_ = Error::BadRequest;
        consumed = i;
        return Status::error;
      }
    }
  }
  std::size_t used = 0;
  const Status st = run_llhttp(data.substr(i), used);
  consumed = i + used;
  return st;
}

bool RequestParser::take_method(std::string_view data, std::size_t& i, std::size_t& start) {
  const std::size_t n = data.size();
  if (!in_message_) {
    while (i < n && (data[i] == '\r' || data[i] == '\n')) ++i;  // empty lines (HeaderScanner checked CRLF)
    if (i == n) return true;
    begin_message();
  }
  start = i;
  while (i < n && kTokenChar[static_cast<unsigned char>(data[i])]) ++i;
  if (!count_header_bytes(i - start)) {
    error_ = Error::HeadersTooLarge;
    return false;
  }
  scratch_->method.append(data.data() + start, i - start);
  if (i == n) return true;
  if (data[i] != ' ' || scratch_->method.empty()) {
    error_ = Error::BadRequest;  // not a token, or no method at all
    return false;
  }
  method_done_ = true;  // llhttp reads on from the space
  return true;
}

RequestParser::Status RequestParser::run_llhttp(std::string_view data, std::size_t& consumed) {
  llhttp_errno_t err = llhttp_execute(&parser_, data.data(), data.size());
  if (err == HPE_OK) {
    consumed = data.size();
    return Status::need_more;
  }
  if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
    consumed = static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - data.data());
    if (at_headers_) return Status::headers;
    if (!in_message_ && headers_done_) return Status::complete;
    // A pause without a completed message: the upgrade pause llhttp makes after a CONNECT
    // request, should anything be parsed after one (next_message).
    error_ = Error::BadRequest;
    return Status::error;
  }
  if (error_ == Error::Ok) error_ = Error::BadRequest;
  return Status::error;
}

bool RequestParser::resume_body() noexcept {
  at_headers_ = false;
  llhttp_resume(&parser_);
  if (declared_length_ > body_limit_) {
    error_ = Error::BodyTooLarge;
    return false;
  }
  return true;
}

void RequestParser::next_message() noexcept {
  stream_ = false;
  at_headers_ = false;
  scanner_.reset();
  chunks_.reset();
  headers_done_ = false;
  method_done_ = false;
  if (upgrade_) {
    // llhttp ends a request with "Connection: upgrade" and "Upgrade" as if another protocol
    // followed: right after the pause on_message_complete asks for comes a second one
    // (HPE_PAUSED_UPGRADE), which llhttp_resume cannot lift. When the handler takes the
    // connection (accept_upgrade, hijack) the parser is not used again; otherwise the request
    // was answered as plain HTTP/1.1 and what follows is the next request (as Go does it):
    // start llhttp afresh. Not after a CONNECT, whose content llhttp never reads: what
    // follows one is tunnel data, which the upgrade pause turns away (run_llhttp).
    upgrade_ = false;
    llhttp_reset(&parser_);
  } else {
    llhttp_resume(&parser_);
  }
}

void RequestParser::begin_message() {
  in_message_ = true;
  headers_done_ = false;
  header_bytes_ = 0;
  chunk_ext_bytes_ = 0;
  expect_continue_ = false;
  stream_ = false;
  at_headers_ = false;
  body_limit_ = limits_.max_body_bytes;
  body_received_ = 0;
  declared_length_ = 0;
  scratch_->trailers.clear();
  scratch_->field.clear();
  scratch_->value.clear();
  scratch_->target.clear();
  scratch_->method.clear();
  request_->reset();
  events_.on_message_start();
}

// The message began at its method's first byte (take_method); llhttp's begin follows the
// stand-in method.
int RequestParser::on_message_begin(llhttp_t*) { return 0; }

int RequestParser::on_url(llhttp_t* p, const char* at, std::size_t len) {
  RequestParser& s = self(p);
  s.scratch_->target.append(at, len);
  if (s.scratch_->target.size() > s.limits_.max_uri_bytes) return s.fail(Error::UriTooLong);
  if (!s.count_header_bytes(len)) return s.fail(Error::HeadersTooLarge);
  return 0;
}

int RequestParser::on_version(llhttp_t* p, const char*, std::size_t len) {
  RequestParser& s = self(p);
  if (!s.count_header_bytes(len)) return s.fail(Error::HeadersTooLarge);
  return 0;
}

int RequestParser::on_header_field(llhttp_t* p, const char* at, std::size_t len) {
  RequestParser& s = self(p);
  if (!s.count_header_bytes(len)) return s.fail(Error::HeadersTooLarge);
  s.scratch_->field.append(at, len);
  return 0;
}

int RequestParser::on_header_value(llhttp_t* p, const char* at, std::size_t len) {
  RequestParser& s = self(p);
  if (!s.count_header_bytes(len)) return s.fail(Error::HeadersTooLarge);
  s.scratch_->value.append(at, len);
  return 0;
}

int RequestParser::on_header_value_complete(llhttp_t* p) {
  RequestParser& s = self(p);
  // ": " and CRLF, once per field (the name and value callbacks may come in fragments).
  if (!s.count_header_bytes(4)) return s.fail(Error::HeadersTooLarge);
  // A field after the header block is a chunked body's trailer. RFC 9110 6.5.1 forbids
  // merging trailers into the header section (a trailing "Host" or "Authorization" would
  // dodge every check made on the headers), so they are counted against the header limit
  // and dropped.
  if (!s.headers_done_) {
    s.request_->headers().add(s.scratch_->field, trim_ows(s.scratch_->value));
  } else if (s.stream_) {
    s.scratch_->trailers.add(s.scratch_->field, trim_ows(s.scratch_->value));  // for BodyChunk::trailers
  }
  s.scratch_->field.clear();
  s.scratch_->value.clear();
  return 0;
}

Error RequestParser::validate_headers() {
  Request& r = *request_;
  auto reject = [this](std::string_view why) {
    reason_ = why;
    return Error::BadRequest;
  };
  const int major = parser_.http_major;
  if (major == 0) return Error::BadRequest;  // HTTP/0.9 has no headers and no status line
  if (major != 1) return Error::VersionNotSupported;
  // RFC 9110 2.5: a higher minor version is answered as the highest we speak.
  const int minor = std::min<int>(parser_.http_minor, 1);
  r.set_version({major, minor});
  r.set_method(scratch_->method);
  const bool connect = limits_.serve_connect && std::string_view(scratch_->method) == "CONNECT";
  if (connect) {
    if (!valid_authority_form(scratch_->target)) return reject("malformed CONNECT target");
    r.set_authority_target(scratch_->target);
  } else {
    // Without serve_connect no CONNECT reaches a handler, whatever its target (llhttp would
    // not read the content of one, nor parse on after it).
    if (std::string_view(scratch_->method) == "CONNECT") return reject("CONNECT not served");
    if (has_control(scratch_->target)) return reject("control character in request target");
    if (!r.set_target(scratch_->target)) return reject("malformed request target");
  }

  // RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without exactly one Host.
  std::size_t hosts = 0;
  std::string_view host;
  for (HeaderField f : r.headers()) {
    if (iequals(f.name, "Host")) {
      ++hosts;
      host = f.value;
    }
  }
  if (hosts > 1) return reject("too many Host headers");
  if (hosts == 0 && minor >= 1) return reject("missing required Host header");
  if (!valid_host(host)) return reject("invalid Host header");
  if (r.host().empty()) {
    r.set_host(host);
  } else if (!valid_host(r.host())) {  // an absolute-form target's authority wins, if valid
    return reject("invalid host in request target");
  }

  // Transfer-Encoding (RFC 9112 6.1): we decode chunked only. chunked must come last, or the
  // framing is unknowable (400); any other coding is valid but unimplemented (501).
  bool chunked_last = false, saw_te = false, other = false;
  for (HeaderField f : r.headers()) {
    if (!iequals(f.name, "Transfer-Encoding")) continue;
    saw_te = true;
    std::string_view rest = f.value;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      std::string_view coding = trim_ows(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (coding.empty()) continue;
      if (iequals(coding, "chunked")) {
        if (chunked_last) return Error::BadRequest;  // chunked twice
        chunked_last = true;
      } else {
        if (chunked_last) return Error::BadRequest;  // something after chunked
        other = true;
      }
    }
  }
  if (saw_te) {
    if (r.version() == HttpVersion{1, 0}) return Error::BadRequest;  // RFC 9112 6.1: not for 1.0 framing
    if (other) return chunked_last ? Error::UnsupportedTransferEncoding : Error::BadRequest;
    if (!chunked_last) return Error::BadRequest;
  }
  if ((parser_.flags & F_CONTENT_LENGTH) && saw_te)
    return reject("both Content-Length and Transfer-Encoding");  // smuggling
  // RFC 9110 9.3.6: a CONNECT request has no content; llhttp would not read one, so bytes
  // framed as one would reach the tunnel. Refuse the ambiguity.
  if (connect && (saw_te || ((parser_.flags & F_CONTENT_LENGTH) && parser_.content_length > 0)))
    return reject("CONNECT request with content");
  const bool has_body =
      (parser_.flags & F_CHUNKED) || ((parser_.flags & F_CONTENT_LENGTH) && parser_.content_length > 0);
  // A streamed body's limit is the consumer's (checked in resume_body); buffered ones get
  // max_body_bytes, before the body is read.
  stream_ = has_body && events_.stream_body(r);
  if (!stream_ && (parser_.flags & F_CONTENT_LENGTH) && parser_.content_length > limits_.max_body_bytes) {
    return Error::BodyTooLarge;
  }
  if (stream_ && (parser_.flags & F_CONTENT_LENGTH)) declared_length_ = parser_.content_length;

  if (std::string_view expect = r.header("Expect"); !expect.empty()) {
    if (!iequals(trim_ows(expect), "100-continue")) return Error::ExpectationFailed;
    expect_continue_ = minor >= 1;  // HTTP/1.0 clients do not understand 100 (RFC 9110 10.1.1)
  }
  return Error::Ok;
}

int RequestParser::on_headers_complete(llhttp_t* p) {
  RequestParser& s = self(p);
  s.headers_done_ = true;
  if (Error e = s.validate_headers(); e != Error::Ok) return s.fail(e);
  s.is_head_ = std::string_view(s.scratch_->method) == "HEAD";
  const bool has_body = (p->flags & F_CHUNKED) || ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);
  if (!has_body) s.expect_continue_ = false;
  if (Error e = s.events_.on_request_headers(*s.request_, has_body); e != Error::Ok) return s.fail(e);
  if (s.stream_) {
    s.at_headers_ = true;
    return HPE_PAUSED;  // the owner calls the handler, which takes the body as it comes
  }
  if (p->flags & F_CONTENT_LENGTH) {
    // Reserve for honest bodies, but never let a mere claim pin much memory.
    s.request_->mutable_body().reserve(std::min<std::size_t>(p->content_length, 64 * 1024));
  }
  return 0;
}

int RequestParser::on_body(llhttp_t* p, const char* at, std::size_t len) {
  RequestParser& s = self(p);
  std::string& body = s.request_->mutable_body();
  if (s.stream_) {
    s.body_received_ += len;
    if (s.body_received_ > s.body_limit_) return s.fail(Error::BodyTooLarge);
    body.append(at, len);
    return 0;
  }
  if (body.size() + len > s.limits_.max_body_bytes) return s.fail(Error::BodyTooLarge);
  body.append(at, len);
  return 0;
}

int RequestParser::on_chunk_extension(llhttp_t* p, const char*, std::size_t len) {
  RequestParser& s = self(p);
  s.chunk_ext_bytes_ += len;
  if (s.chunk_ext_bytes_ > s.limits_.max_chunk_extension_bytes) return s.fail(Error::BadRequest);
  return 0;
}

int RequestParser::on_chunk_header(llhttp_t* p) {
  RequestParser& s = self(p);
  s.chunk_ext_bytes_ = 0;
  // llhttp puts the announced chunk size in content_length: refuse before the bytes arrive.
  if (s.stream_) {
    if (p->content_length > s.body_limit_ - std::min(s.body_limit_, s.body_received_))
      return s.fail(Error::BodyTooLarge);
    return 0;
  }
  if (p->content_length > s.limits_.max_body_bytes - std::min(s.limits_.max_body_bytes, s.request_->body().size())) {
    return s.fail(Error::BodyTooLarge);
  }
  return 0;
}

int RequestParser::on_message_complete(llhttp_t* p) {
  RequestParser& s = self(p);
  s.in_message_ = false;
  s.keep_alive_ = llhttp_should_keep_alive(p) != 0;
  s.upgrade_ = p->upgrade != 0 && p->method != HTTP_CONNECT;  // see next_message
  return HPE_PAUSED;
}

}  // namespace nethttp::detail
