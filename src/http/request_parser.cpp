#include "http/request_parser.hpp"

#include <algorithm>

#include "core/header_list.hpp"

namespace nethttp::detail {

namespace {

RequestParser& self(llhttp_t* p) { return *static_cast<RequestParser*>(p->data); }

}  // namespace

const llhttp_settings_t& RequestParser::settings() {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t st;
    llhttp_settings_init(&st);
    st.on_message_begin = &RequestParser::on_message_begin;
    st.on_method = &RequestParser::on_method;
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

RequestParser::RequestParser(const ParserLimits& limits, ParserEvents& events) : limits_(limits), events_(events) {
  llhttp_init(&parser_, HTTP_REQUEST, &settings());
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
  if (error_ != Error::ok) return Status::error;
  std::size_t offset = 0;  // where the body starts, when the header block ends in data
  if (!scanner_.done()) {
    std::size_t scanned = 0;
    switch (scanner_.scan(data, scanned)) {
      case HeaderScanner::Result::error: {
        // Let llhttp see the bytes up to the fault first: a limit it hits there (431/414)
        // replaces the generic 400 set here.
        error_ = Error::bad_request;
        if (scanned > 0) llhttp_execute(&parser_, data.data(), scanned);
        return Status::error;
      }
      case HeaderScanner::Result::need_more:
        return run_llhttp(data, consumed);
      case HeaderScanner::Result::done: {
        // The header block alone first: only then is it known whether a chunked body
        // follows, whose framing must pass the ChunkScanner before llhttp reads it.
        Status st = run_llhttp(data.substr(0, scanned), consumed);
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
    switch (chunks_.scan(body, framed)) {
      case ChunkScanner::Result::error:
        error_ = Error::bad_request;
        if (framed > 0) llhttp_execute(&parser_, body.data(), framed);  // a 413 there wins
        return Status::error;
      case ChunkScanner::Result::done:
        framing_done = true;
        break;
      case ChunkScanner::Result::need_more:
        break;
    }
    body = body.substr(0, framed);
  }
  std::size_t used = 0;
  Status st = run_llhttp(body, used);
  consumed = offset + used;
  if (framing_done && st == Status::need_more) {
    error_ = Error::bad_request;  // the two parsers disagree on where the message ends
    return Status::error;
  }
  return st;
}

RequestParser::Status RequestParser::run_llhttp(std::string_view data, std::size_t& consumed) {
  llhttp_errno_t err = llhttp_execute(&parser_, data.data(), data.size());
  if (err == HPE_OK) {
    consumed = data.size();
    return Status::need_more;
  }
  if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
    consumed = static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - data.data());
    if (!in_message_ && headers_done_) return Status::complete;
    // A pause without a completed message: CONNECT (tunnels are not served).
    error_ = Error::bad_request;
    return Status::error;
  }
  if (error_ == Error::ok) error_ = Error::bad_request;
  return Status::error;
}

void RequestParser::next_message() noexcept {
  scanner_.reset();
  chunks_.reset();
  headers_done_ = false;
  if (llhttp_get_errno(&parser_) == HPE_PAUSED_UPGRADE) {
    // Upgrade requests are answered as plain HTTP/1.1 (we implement no upgrades), so the
    // bytes after them are the next request: start the parser afresh.
    llhttp_reset(&parser_);
  } else {
    llhttp_resume(&parser_);
  }
}

int RequestParser::on_message_begin(llhttp_t* p) {
  RequestParser& s = self(p);
  s.in_message_ = true;
  s.headers_done_ = false;
  s.header_bytes_ = 0;
  s.chunk_ext_bytes_ = 0;
  s.expect_continue_ = false;
  s.scratch_->field.clear();
  s.scratch_->value.clear();
  s.scratch_->target.clear();
  s.scratch_->method.clear();
  s.request_->reset();
  s.events_.on_message_start();
  return 0;
}

int RequestParser::on_method(llhttp_t* p, const char* at, std::size_t len) {
  RequestParser& s = self(p);
  if (!s.count_header_bytes(len)) return s.fail(Error::headers_too_large);
  s.scratch_->method.append(at, len);
  return 0;
}

int RequestParser::on_url(llhttp_t* p, const char* at, std::size_t len) {
  RequestParser& s = self(p);
  s.scratch_->target.append(at, len);
  if (s.scratch_->target.size() > s.limits_.max_uri_bytes) return s.fail(Error::uri_too_long);
  if (!s.count_header_bytes(len)) return s.fail(Error::headers_too_large);
  return 0;
}

int RequestParser::on_version(llhttp_t* p, const char*, std::size_t len) {
  RequestParser& s = self(p);
  if (!s.count_header_bytes(len)) return s.fail(Error::headers_too_large);
  return 0;
}

int RequestParser::on_header_field(llhttp_t* p, const char* at, std::size_t len) {
  RequestParser& s = self(p);
  if (!s.count_header_bytes(len)) return s.fail(Error::headers_too_large);
  s.scratch_->field.append(at, len);
  return 0;
}

int RequestParser::on_header_value(llhttp_t* p, const char* at, std::size_t len) {
  RequestParser& s = self(p);
  if (!s.count_header_bytes(len)) return s.fail(Error::headers_too_large);
  s.scratch_->value.append(at, len);
  return 0;
}

int RequestParser::on_header_value_complete(llhttp_t* p) {
  RequestParser& s = self(p);
  // ": " and CRLF, once per field (the name and value callbacks may come in fragments).
  if (!s.count_header_bytes(4)) return s.fail(Error::headers_too_large);
  // A field after the header block is a chunked body's trailer. RFC 9110 6.5.1 forbids
  // merging trailers into the header section (a trailing "Host" or "Authorization" would
  // dodge every check made on the headers), so they are counted against the header limit
  // and dropped.
  if (!s.headers_done_) s.request_->headers().add(s.scratch_->field, trim_ows(s.scratch_->value));
  s.scratch_->field.clear();
  s.scratch_->value.clear();
  return 0;
}

Error RequestParser::validate_headers() {
  Request& r = *request_;
  auto reject = [this](std::string_view why) {
    reason_ = why;
    return Error::bad_request;
  };
  const int major = parser_.http_major, minor = parser_.http_minor;
  if (major == 0) return Error::bad_request;  // HTTP/0.9 has no headers and no status line
  if (major != 1) return Error::version_not_supported;
  r.set_version({major, minor});
  r.set_method(scratch_->method);
  if (!r.set_target(scratch_->target)) return reject("malformed request target");

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
  if (r.host().empty()) r.set_host(host);  // an absolute-form target's authority wins

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
        if (chunked_last) return Error::bad_request;  // chunked twice
        chunked_last = true;
      } else {
        if (chunked_last) return Error::bad_request;  // something after chunked
        other = true;
      }
    }
  }
  if (saw_te) {
    if (r.version() == HttpVersion{1, 0}) return Error::bad_request;  // RFC 9112 6.1: not for 1.0 framing
    if (other) return chunked_last ? Error::unsupported_transfer_encoding : Error::bad_request;
    if (!chunked_last) return Error::bad_request;
  }
  if ((parser_.flags & F_CONTENT_LENGTH) && saw_te) return reject("both Content-Length and Transfer-Encoding");  // smuggling
  if ((parser_.flags & F_CONTENT_LENGTH) && parser_.content_length > limits_.max_body_bytes) {
    return Error::body_too_large;
  }

  if (std::string_view expect = r.header("Expect"); !expect.empty()) {
    if (!iequals(trim_ows(expect), "100-continue")) return Error::expectation_failed;
    expect_continue_ = minor >= 1;  // HTTP/1.0 clients do not understand 100 (RFC 9110 10.1.1)
  }
  return Error::ok;
}

int RequestParser::on_headers_complete(llhttp_t* p) {
  RequestParser& s = self(p);
  s.headers_done_ = true;
  if (Error e = s.validate_headers(); e != Error::ok) return s.fail(e);
  s.is_head_ = p->method == HTTP_HEAD;
  const bool has_body = (p->flags & F_CHUNKED) || ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);
  if (!has_body) s.expect_continue_ = false;
  if (Error e = s.events_.on_request_headers(*s.request_, has_body); e != Error::ok) return s.fail(e);
  if (p->flags & F_CONTENT_LENGTH) {
    // Reserve for honest bodies, but never let a mere claim pin much memory.
    s.request_->mutable_body().reserve(std::min<std::size_t>(p->content_length, 64 * 1024));
  }
  return 0;
}

int RequestParser::on_body(llhttp_t* p, const char* at, std::size_t len) {
  RequestParser& s = self(p);
  std::string& body = s.request_->mutable_body();
  if (body.size() + len > s.limits_.max_body_bytes) return s.fail(Error::body_too_large);
  body.append(at, len);
  return 0;
}

int RequestParser::on_chunk_extension(llhttp_t* p, const char*, std::size_t len) {
  RequestParser& s = self(p);
  s.chunk_ext_bytes_ += len;
  if (s.chunk_ext_bytes_ > s.limits_.max_chunk_extension_bytes) return s.fail(Error::bad_request);
  return 0;
}

int RequestParser::on_chunk_header(llhttp_t* p) {
  RequestParser& s = self(p);
  s.chunk_ext_bytes_ = 0;
  // llhttp puts the announced chunk size in content_length: refuse before the bytes arrive.
  if (p->content_length > s.limits_.max_body_bytes - std::min(s.limits_.max_body_bytes, s.request_->body().size())) {
    return s.fail(Error::body_too_large);
  }
  return 0;
}

int RequestParser::on_message_complete(llhttp_t* p) {
  RequestParser& s = self(p);
  s.in_message_ = false;
  s.keep_alive_ = llhttp_should_keep_alive(p) != 0;
  return HPE_PAUSED;
}

}  // namespace nethttp::detail
