#pragma once
/// \file multipart.hpp
/// MultipartParser: an incremental multipart/form-data parser (RFC 7578, RFC 2046 5.1) for
/// streamed request bodies (Go: Request.MultipartReader, mime/multipart.Reader). Feed it the
/// body as it arrives (BodyReader's Data events) and it reports each part's header, its
/// bytes and its end, holding no more than one part header plus a boundary's length of the
/// input: a file part of any size streams through in bounded memory.
///
///     std::string boundary = multipart_boundary(r.header("Content-Type"));
///     if (boundary.empty()) return error(w, "expected multipart/form-data", Status::BadRequest);
///     MultipartParser parser(boundary);
///     parser.on_part_begin = [](const MultipartPart& p) { ... p.name, p.filename ... };
///     parser.on_part_data = [](std::string_view bytes) { ... };
///     parser.on_part_end = [] { ... };
///     // for each BodyChunk: if (parser.feed(c.data) != MultipartError::None) -> 400 / 413
///     // at End: if (parser.finish() != MultipartError::None) -> 400

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "nethttp/headers.hpp"

namespace nethttp {

/// MultipartLimits bounds what a MultipartParser accepts.
struct MultipartLimits {
  /// max_parts bounds the number of parts (Go's default is 1000 form parts).
  std::size_t max_parts = 1000;
  /// max_header_bytes bounds one part's header block.
  std::size_t max_header_bytes = 16 * 1024;
};

/// MultipartError is why a multipart body was refused.
enum class MultipartError {
  None,            ///< no error
  Malformed,       ///< not multipart/form-data framing (or truncated): 400
  TooManyParts,    ///< more than MultipartLimits::max_parts parts: 413
  HeaderTooLarge,  ///< a part header over MultipartLimits::max_header_bytes: 431 (Go: 400)
};

/// status_for returns the status that answers a multipart error: 400 for Malformed, 413 for
/// TooManyParts, 431 for HeaderTooLarge, 200 for None.
[[nodiscard]] int status_for(MultipartError e) noexcept;

/// multipart_error_message returns a short text for e, for error bodies.
[[nodiscard]] std::string_view multipart_error_message(MultipartError e) noexcept;

/// MultipartPart is one part's header: all of its fields, plus the Content-Disposition
/// parameters form-data uses and its Content-Type. Valid during on_part_begin only.
struct MultipartPart {
  Headers headers;           ///< every header field of the part
  std::string name;          ///< Content-Disposition's name parameter (the form field)
  std::string filename;      ///< Content-Disposition's filename, as sent (sanitise before use!)
  std::string content_type;  ///< the part's Content-Type ("" when absent: text/plain)
  /// is_file reports whether the part carries a filename parameter (a file input).
  [[nodiscard]] bool is_file() const noexcept { return has_filename; }
  bool has_filename = false;  ///< a filename parameter was present (even empty)
};

/// multipart_boundary returns the boundary parameter of a multipart/form-data Content-Type
/// value, unquoted, or "" when the type is something else or the boundary is missing or
/// invalid (RFC 2046: 1 to 70 characters).
[[nodiscard]] std::string multipart_boundary(std::string_view content_type);

/// MultipartParser is a push parser for one multipart body. Not thread-safe; the callbacks
/// run inside feed() and finish(), on the calling thread. A callback may not call feed().
class MultipartParser {
 public:
  /// MultipartParser parses a body delimited by boundary (see multipart_boundary()).
  explicit MultipartParser(std::string_view boundary, MultipartLimits limits = {});

  /// on_part_begin runs when a part's header is complete.
  std::function<void(const MultipartPart&)> on_part_begin;
  /// on_part_data runs with the next bytes of the current part (never empty; valid during
  /// the call only). A part's bytes may come in any number of calls.
  std::function<void(std::string_view)> on_part_data;
  /// on_part_end runs when the current part is complete.
  std::function<void()> on_part_end;

  /// feed parses the next bytes of the body. After an error every later call returns it.
  MultipartError feed(std::string_view data);
  /// finish says the body ended: Malformed unless the closing boundary was seen.
  MultipartError finish();
  /// done reports whether the closing boundary was seen (the rest is an ignored epilogue).
  [[nodiscard]] bool done() const noexcept { return state_ == State::Epilogue; }
  /// parts counts the parts begun so far.
  [[nodiscard]] std::size_t parts() const noexcept { return parts_; }

 private:
  enum class State { Preamble, AfterDelimiter, Headers, Data, Epilogue };
  MultipartError fail(MultipartError e) noexcept {
    error_ = e;
    return e;
  }
  MultipartError parse_headers(std::string_view block);

  std::string delimiter_;  // CRLF "--" boundary
  MultipartLimits limits_;
  std::string buf_;  // unparsed input: at most a header block or a delimiter's length
  MultipartPart part_;
  std::size_t parts_ = 0;
  State state_ = State::Preamble;
  MultipartError error_ = MultipartError::None;
};

}  // namespace nethttp
