#include "http/response.hpp"

#include <array>
#include <charconv>
#include <string_view>
#include <utility>

#include "core/header_list.hpp"
#include "http/connection.hpp"
#include "http/date_cache.hpp"

namespace nethttp::detail {

namespace {

// status_line returns "HTTP/1.1 200 OK\r\n", built once per code.
std::string_view status_line(int code) {
  static const std::array<std::string, 1000> lines = [] {
    std::array<std::string, 1000> a;
    for (int c = 100; c < 1000; ++c) {
      std::string_view text = status_text(c);
      a[static_cast<std::size_t>(c)] =
          "HTTP/1.1 " + std::to_string(c) + " " + std::string(text.empty() ? "Status" : text) + "\r\n";
    }
    return a;
  }();
  return lines[static_cast<std::size_t>(code)];
}

void append_number(std::string& out, std::uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

void append_hex(std::string& out, std::uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n, 16);
  out.append(buf, end);
}

// A header value must not smuggle a line break into the response (header injection): Go
// replaces CR and LF with spaces, and so do we. Names that are not tokens (is_token) are
// dropped.
void append_value(std::string& out, std::string_view value) {
  std::size_t start = out.size();
  out.append(value);
  for (std::size_t i = start; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n' || out[i] == '\0') out[i] = ' ';
  }
}

// sniff_content_type picks a type for bodies the handler did not label, from their first
// bytes: a small subset of the WHATWG sniffing rules that Go's DetectContentType follows.
std::string_view sniff_content_type(std::string_view body) {
  std::string_view s = body.substr(0, 512);
  std::size_t i = s.find_first_not_of(" \t\r\n\f");
  std::string_view t = i == std::string_view::npos ? std::string_view() : s.substr(i);
  auto starts_ci = [&](std::string_view p) { return t.size() >= p.size() && iequals(t.substr(0, p.size()), p); };
  if (starts_ci("<!doctype html") || starts_ci("<html") || starts_ci("<head") || starts_ci("<body") ||
      starts_ci("<p") || starts_ci("<div") || starts_ci("<h1") || starts_ci("<a ") || starts_ci("<table")) {
    return "text/html; charset=utf-8";
  }
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x09 || (c > 0x0d && c < 0x20 && c != 0x1b)) return "application/octet-stream";
  }
  return "text/plain; charset=utf-8";
}

}  // namespace

void ResponseImpl::begin(Connection& conn, OutputQueue& out, DateCache& date, const Request& request) {
  conn_ = &conn;
  out_ = &out;
  date_ = &date;
  headers_.clear();
  body_.clear();
  files_.clear();
  on_finish_.clear();
  on_writable_ = nullptr;
  takeover_.reset();
  output_limit_ = 0;
  pending_file_bytes_ = 0;
  declared_length_ = -1;
  bytes_written_ = bytes_emitted_ = 0;
  status_ = 0;
  version_ = request.version();
  head_ = request.method() == "HEAD";
  connect_ = request.method() == "CONNECT";
  header_written_ = committed_ = chunked_ = finished_ = deferred_ = false;
  keep_alive_ = true;
  active_ = true;
}

bool ResponseImpl::body_allowed() const noexcept {
  return !head_ && status_ >= 200 && status_ != 204 && status_ != 304 && !tunnel();
}

void ResponseImpl::write_header(int status) {
  if (header_written_ || finished_) return;
  if (status < 100 || status > 999) status = 500;
  if (status >= 100 && status < 200 && status != 101) {
    // Informational (103 Early Hints and the like): send it now; the final status follows.
    std::string& o = out_->tail();
    std::size_t before = o.size();
    o.append(status_line(status));
    for (HeaderField f : headers_) {
      if (!is_token(f.name)) continue;
      o.append(f.name).append(": ");
      append_value(o, f.value);
      o.append("\r\n");
    }
    o.append("\r\n");
    out_->note_appended(o.size() - before);
    return;
  }
  if (status == 101 && !takeover_) status = 500;  // only accept_upgrade()/hijack() switch protocols
  header_written_ = true;
  status_ = status;
  if (std::string_view cl = headers_.get("Content-Length"); !cl.empty()) {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), n);
    if (ec == std::errc() && end == cl.data() + cl.size()) declared_length_ = static_cast<std::int64_t>(n);
  }
  if (iequals(headers_.get("Connection"), "close")) keep_alive_ = false;
}

bool ResponseImpl::write(std::string_view data) {
  if (finished_ || !active_) return false;
  if (!header_written_) write_header(200);
  if (output_limit_ != 0 && buffered_bytes() >= output_limit_ && !data.empty()) {
    // A streaming producer that ignored congested()/on_writable(): its client is not keeping
    // up, and queueing more would make memory unbounded. Close; the stream is cut short.
    conn_->output_overflow();
    return false;
  }
  bytes_written_ += data.size();
  if (!body_allowed()) return head_;  // HEAD: counted for Content-Length, sent nowhere
  if (committed_) {
    emit_body(data);
    return true;
  }
  body_.append(data);
  if (body_.size() + pending_file_bytes_ > kStreamThreshold) commit(true);
  return true;
}

bool ResponseImpl::send_file(FileSlice slice) {
  if (finished_) return false;
  if (!header_written_) write_header(200);
  bytes_written_ += slice.length;
  if (!body_allowed()) return head_;
  if (committed_) {
    emit_file(std::move(slice));
    return true;
  }
  pending_file_bytes_ += slice.length;
  files_.push_back({body_.size(), std::move(slice)});
  if (declared_length_ >= 0) commit(true);  // the length is known: no need to hold anything
  return true;
}

bool ResponseImpl::flush() {
  if (finished_) return false;
  if (!header_written_) write_header(200);
  if (!committed_) commit(true);
  conn_->flush_from_handler();
  return !conn_->closed();
}

void ResponseImpl::on_finish(std::function<void(const ResponseStats&)> fn) {
  if (fn) on_finish_.push_back(std::move(fn));
}

std::size_t ResponseImpl::buffered_bytes() const noexcept {
  return body_.size() + (out_ != nullptr ? out_->buffered_bytes() : 0);
}

bool ResponseImpl::congested() const noexcept {
  return conn_ != nullptr && buffered_bytes() >= conn_->output_high_water();
}

void ResponseImpl::on_writable(std::function<void(ResponseWriter&)> fn) {
  if (!active_ || finished_) return;
  on_writable_ = std::move(fn);
  if (on_writable_) conn_->writable_wanted();
}

std::function<void(ResponseWriter&)> ResponseImpl::take_writable_callback(std::size_t low_water) {
  if (!on_writable_ || buffered_bytes() > low_water) return nullptr;
  return std::exchange(on_writable_, nullptr);
}

bool ResponseImpl::switch_protocols(std::shared_ptr<Takeover> takeover) {
  if (!takeover || !active_ || header_written_ || finished_ || deferred_ || committed_) return false;
  takeover_ = std::move(takeover);
  return true;
}

std::shared_ptr<Takeover> ResponseImpl::take_takeover() noexcept {
  if (status_ != 101 && !tunnel()) {
    takeover_.reset();
    return nullptr;
  }
  return std::move(takeover_);
}

DeferredResponse ResponseImpl::defer() {
  if (finished_ || deferred_ || takeover_) return DeferredResponse();
  deferred_ = true;
  return conn_->make_deferred();
}

void ResponseImpl::serialize_head(std::uint64_t content_length, bool known_length) {
  std::string& o = out_->tail();
  std::size_t before = o.size();
  o.append(tunnel() ? std::string_view("HTTP/1.1 200 Connection established\r\n") : status_line(status_));
  bool has_date = false, has_type = false;
  for (HeaderField f : headers_) {
    if (iequals(f.name, "Content-Length") || iequals(f.name, "Transfer-Encoding") || iequals(f.name, "Connection")) {
      continue;  // framing is ours
    }
    if (!is_token(f.name)) continue;
    if (!has_date && iequals(f.name, "Date")) has_date = true;
    if (!has_type && iequals(f.name, "Content-Type")) has_type = true;
    o.append(f.name).append(": ");
    append_value(o, f.value);
    o.append("\r\n");
  }
  if (!has_date) o.append("Date: ").append(date_->get()).append("\r\n");
  // RFC 9110 9.3.6: no Content-Length or Transfer-Encoding in a 2xx answer to CONNECT.
  const bool bodyless_status = status_ < 200 || status_ == 204 || status_ == 304 || tunnel();
  if (!has_type && !bodyless_status && bytes_written_ > 0) {
    o.append("Content-Type: ").append(sniff_content_type(body_)).append("\r\n");
  }
  if (!bodyless_status) {
    if (known_length) {
      o.append("Content-Length: ");
      append_number(o, content_length);
      o.append("\r\n");
    } else if (chunked_) {
      o.append("Transfer-Encoding: chunked\r\n");
    }
  } else if (status_ == 304 && declared_length_ >= 0) {
    o.append("Content-Length: ");  // RFC 9110 8.6: a 304 may repeat the 200's length
    append_number(o, static_cast<std::uint64_t>(declared_length_));
    o.append("\r\n");
  }
  if (status_ == 101) {
    o.append("Connection: Upgrade\r\n");  // the connection is handed over, not kept alive
  } else if (tunnel()) {
    // The tunnel follows: no Connection field (the connection is handed over).
  } else if (!keep_alive_ || !conn_->may_keep_alive()) {
    keep_alive_ = false;
    o.append("Connection: close\r\n");
  } else if (version_ == HttpVersion{1, 0}) {
    o.append("Connection: keep-alive\r\n");
  }
  o.append("\r\n");
  out_->note_appended(o.size() - before);
}

void ResponseImpl::commit(bool streaming) {
  committed_ = true;
  const bool bodyless = !body_allowed();
  std::uint64_t length = body_.size() + pending_file_bytes_;
  if (declared_length_ >= 0) {
    serialize_head(static_cast<std::uint64_t>(declared_length_), true);
  } else if (!streaming) {
    serialize_head(head_ ? bytes_written_ : length, !(status_ < 200 || status_ == 204 || status_ == 304));
  } else if (bodyless) {
    serialize_head(bytes_written_, head_);
  } else if (version_ == HttpVersion{1, 1}) {
    chunked_ = true;
    serialize_head(0, false);
  } else {
    keep_alive_ = false;  // HTTP/1.0 without a length: the body ends when we close
    serialize_head(0, false);
  }
  if (bodyless) return;
  // Move the buffered body (and files) into the output in their original order.
  std::size_t pos = 0;
  for (PendingFile& f : files_) {
    emit_body(std::string_view(body_).substr(pos, f.body_offset - pos));
    pos = f.body_offset;
    emit_file(std::move(f.slice));
  }
  emit_body(std::string_view(body_).substr(pos));
  body_.clear();
  files_.clear();
  pending_file_bytes_ = 0;
}

std::uint64_t ResponseImpl::declared_room() const noexcept {
  const auto declared = static_cast<std::uint64_t>(declared_length_);
  return declared - std::min(bytes_emitted_, declared);
}

void ResponseImpl::emit_body(std::string_view data) {
  if (data.empty()) return;
  if (declared_length_ >= 0) {
    // Never send more than the handler promised: extra bytes would become the next response.
    const std::uint64_t room = declared_room();
    if (data.size() > room) {
      data = data.substr(0, static_cast<std::size_t>(room));
      keep_alive_ = false;
    }
  }
  bytes_emitted_ += data.size();
  if (!chunked_) {
    out_->append(data);
    return;
  }
  std::string& o = out_->tail();
  std::size_t before = o.size();
  append_hex(o, data.size());
  o.append("\r\n");
  out_->note_appended(o.size() - before);
  out_->append(data);
  out_->append("\r\n");
}

void ResponseImpl::emit_file(FileSlice slice) {
  if (slice.length == 0) return;
  if (declared_length_ >= 0) {
    const std::uint64_t room = declared_room();
    if (slice.length > room) {
      slice.length = room;
      keep_alive_ = false;
    }
  }
  bytes_emitted_ += slice.length;
  if (chunked_) {
    std::string& o = out_->tail();
    std::size_t before = o.size();
    append_hex(o, slice.length);
    o.append("\r\n");
    out_->note_appended(o.size() - before);
    out_->append_file(std::move(slice));
    out_->append("\r\n");
  } else {
    out_->append_file(std::move(slice));
  }
}

void ResponseImpl::finish() {
  if (finished_) return;
  if (!header_written_) write_header(200);
  if (!committed_) commit(false);
  if (chunked_) out_->append("0\r\n\r\n");
  if (declared_length_ >= 0 && body_allowed() && bytes_emitted_ != static_cast<std::uint64_t>(declared_length_)) {
    keep_alive_ = false;  // short body: the client can only tell by the connection closing
  }
  finished_ = true;
}

bool ResponseImpl::reset_for_error() {
  if (committed_) return false;
  headers_.clear();
  body_.clear();
  files_.clear();
  pending_file_bytes_ = 0;
  declared_length_ = -1;
  bytes_written_ = 0;
  status_ = 0;
  header_written_ = false;
  takeover_.reset();
  return true;
}

void ResponseImpl::take_finish_callbacks(
    std::vector<std::pair<std::function<void(const ResponseStats&)>, ResponseStats>>& out) {
  ResponseStats stats{status_, bytes_written_, true};
  for (auto& fn : on_finish_) out.emplace_back(std::move(fn), stats);
  on_finish_.clear();
}

}  // namespace nethttp::detail
