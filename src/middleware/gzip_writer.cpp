#include "middleware/gzip_writer.hpp"

#include <unistd.h>

#include <charconv>
#include <stdexcept>

#include "middleware/content_coding.hpp"

namespace nethttp::detail {

namespace {

bool bodyless(int status) noexcept { return status < 200 || status == 204 || status == 304; }

// small_by_length reports a declared Content-Length under min_bytes: not worth compressing,
// and known without buffering.
bool small_by_length(const Headers& h, std::size_t min_bytes) noexcept {
  std::string_view v = h.get("Content-Length");
  if (v.empty()) return false;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return ec == std::errc() && end == v.data() + v.size() && n < min_bytes;
}

}  // namespace

GzipWriter::~GzipWriter() { Deflater::release(std::move(deflater_)); }

void GzipWriter::write_header(int status) {
  if (mode_ != Mode::start) return;  // only the first call counts, as on the real writer
  status_ = status;
  Headers& h = inner_.headers();
  // Ranges address bytes of the identity representation (RFC 9110 14.1), and a response
  // that already has a coding must not get a second one here.
  const bool eligible = !bodyless(status) && status != 206 && !h.has("Content-Range") && !h.has("Content-Encoding") &&
                        compressible(h.get("Content-Type"));
  if (!eligible) {
    begin_passthrough();
    return;
  }
  // The representation now depends on Accept-Encoding, whether or not this client gets gzip.
  h.add("Vary", "Accept-Encoding");
  if (!client_accepts_ || small_by_length(h, options_.min_bytes)) {
    begin_passthrough();
    return;
  }
  mode_ = Mode::buffering;
}

void GzipWriter::begin_passthrough() {
  const bool held = mode_ == Mode::buffering;
  mode_ = Mode::passthrough;
  inner_.write_header(status_);
  if (held && !buffer_.empty()) {
    if (!inner_.write(buffer_)) client_gone_ = true;
    buffer_.clear();
  }
}

void GzipWriter::begin_compression() {
  Headers& h = inner_.headers();
  h.set("Content-Encoding", "gzip");
  h.remove("Content-Length");  // the compressed length is unknown until the end
  // A strong validator names exact bytes; the gzip bytes differ (RFC 9110 8.8.1), so the
  // ETag is weakened rather than dropped, which keeps conditional GETs working.
  if (std::string_view etag = h.get("ETag"); !etag.empty() && !etag.starts_with("W/")) {
    h.set("ETag", "W/" + std::string(etag));
  }
  deflater_ = Deflater::acquire(options_.level);
  mode_ = Mode::compressing;
  inner_.write_header(status_);
  std::string held = std::move(buffer_);
  buffer_.clear();
  emit(held, Z_NO_FLUSH);
}

bool GzipWriter::emit(std::string_view in, int flush) {
  buffer_.clear();
  deflater_->compress(in, flush, buffer_);
  if (!buffer_.empty() && !client_gone_ && !inner_.write(buffer_)) client_gone_ = true;
  buffer_.clear();
  return !client_gone_;
}

bool GzipWriter::write(std::string_view data) {
  if (mode_ == Mode::start) write_header(200);
  bytes_in_ += data.size();
  switch (mode_) {
    case Mode::buffering:
      buffer_.append(data);
      if (buffer_.size() >= options_.min_bytes) begin_compression();
      return !client_gone_;
    case Mode::compressing: return emit(data, Z_NO_FLUSH);
    default: return inner_.write(data);
  }
}

bool GzipWriter::flush() {
  if (mode_ == Mode::start) write_header(200);
  // A handler that flushes is streaming: compress from here on so the stream stays small,
  // and push out what zlib holds (Z_SYNC_FLUSH ends on a byte boundary).
  if (mode_ == Mode::buffering) begin_compression();
  if (mode_ == Mode::compressing) {
    if (!emit({}, Z_SYNC_FLUSH)) return false;
  }
  return inner_.flush();
}

bool GzipWriter::send_file(FileSlice slice) {
  if (mode_ == Mode::start) write_header(200);
  bytes_in_ += slice.length;
  if (mode_ == Mode::buffering) begin_passthrough();  // keep sendfile's zero-copy path
  if (mode_ != Mode::compressing) return inner_.send_file(std::move(slice));
  // Already compressing (the handler wrote min_bytes first): the file has to go through zlib.
  if (!slice.file || !slice.file->valid()) return false;
  std::string chunk(64 * 1024, '\0');
  std::uint64_t off = slice.offset, left = slice.length;
  while (left > 0) {
    ssize_t n =
        ::pread(slice.file->get(), chunk.data(), std::min<std::uint64_t>(left, chunk.size()), static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // error or truncated file
    if (!emit(std::string_view(chunk.data(), static_cast<std::size_t>(n)), Z_NO_FLUSH)) return false;
    off += static_cast<std::uint64_t>(n);
    left -= static_cast<std::uint64_t>(n);
  }
  return true;
}

DeferredResponse GzipWriter::defer() {
  if (mode_ == Mode::compressing) {
    throw std::logic_error("gzip: defer() after compressed output was sent");
  }
  // The deferred functions get the real writer, so compression cannot follow them there:
  // send what is held as it is and step aside.
  if (mode_ == Mode::buffering) begin_passthrough();
  mode_ = Mode::deferred;
  return inner_.defer();
}

void GzipWriter::finish() {
  switch (mode_) {
    case Mode::buffering:
      begin_passthrough();  // under min_bytes: not worth it
      break;
    case Mode::compressing: emit({}, Z_FINISH); break;
    default: break;
  }
}

}  // namespace nethttp::detail
