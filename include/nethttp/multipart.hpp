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
///
/// MultipartForm (below) is the parser plus a collector: plain fields go into a FormValues
/// (Go: Request.MultipartForm.Value, FormValue) within limits, file parts are handed on as
/// they stream. read_multipart_form (body_reader.hpp) drives one from a BodyReader.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "nethttp/form.hpp"
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

/// MultipartFormLimits bounds what a MultipartForm accepts.
struct MultipartFormLimits {
  /// parts bounds the part count and each part's header (MultipartError::TooManyParts: 413,
  /// HeaderTooLarge: 431).
  MultipartLimits parts;
  /// max_fields bounds the plain (non-file) fields collected: FormError::TooManyFields, 413.
  std::size_t max_fields = 1000;
  /// max_value_bytes bounds the bytes of all plain fields together, names and values, held
  /// in memory: FormError::TooLarge, 413 (Go's ReadForm allows 10 MB of them). File parts
  /// do not count: they stream.
  std::size_t max_value_bytes = 10 * 1024 * 1024;
};

/// MultipartFormError is why a multipart form was refused: a framing or part error
/// (multipart), or a plain-field limit (form: TooManyFields or TooLarge). At most one is set.
struct MultipartFormError {
  MultipartError multipart = MultipartError::None;  ///< framing, part count, part header
  FormError form = FormError::None;                 ///< plain-field limits
  /// ok reports whether there is no error.
  [[nodiscard]] bool ok() const noexcept { return multipart == MultipartError::None && form == FormError::None; }
  /// status is the status that answers it: 400 malformed, 413 a count or size limit, 431 a
  /// part header too large, 200 for none.
  [[nodiscard]] int status() const noexcept;
  /// message is a short text for error bodies.
  [[nodiscard]] std::string_view message() const noexcept;
  friend bool operator==(const MultipartFormError&, const MultipartFormError&) = default;
};

/// MultipartForm parses a multipart/form-data body and collects its plain fields into a
/// FormValues, while file parts (those with a filename parameter) stream to on_file_begin,
/// on_file_data and on_file_end (Go: multipart.Reader.ReadForm, without the temporary
/// files: what happens to file bytes is yours). Parts without a name are skipped, as Go
/// does. Holds at most MultipartFormLimits::max_value_bytes of plain values plus what a
/// MultipartParser holds. Not thread-safe, but not tied to a thread either: feed it on the
/// loop (read_multipart_form) or on a worker (examples/upload). The callbacks run inside
/// feed() and finish(); a callback may not call feed().
class MultipartForm {
 public:
  /// MultipartForm parses a body delimited by boundary (see multipart_boundary()).
  explicit MultipartForm(std::string_view boundary, MultipartFormLimits limits = {});
  MultipartForm(const MultipartForm&) = delete;
  MultipartForm& operator=(const MultipartForm&) = delete;

  /// on_file_begin runs when a file part's header is complete.
  std::function<void(const MultipartPart&)> on_file_begin;
  /// on_file_data runs with the next bytes of the current file part (never empty; valid
  /// during the call only).
  std::function<void(std::string_view)> on_file_data;
  /// on_file_end runs when the current file part is complete.
  std::function<void()> on_file_end;

  /// feed parses the next bytes of the body. After an error every later call returns it
  /// and no callback runs any more (a file part in progress gets no on_file_end).
  MultipartFormError feed(std::string_view data);
  /// finish says the body ended: MultipartError::Malformed unless the closing boundary was
  /// seen. Returns the first error met, if any.
  MultipartFormError finish();
  /// values holds the plain fields collected so far, in order (all of them after a
  /// successful finish()). After an error it is empty.
  [[nodiscard]] FormValues& values() noexcept { return values_; }
  [[nodiscard]] const FormValues& values() const noexcept { return values_; }
  /// files counts the file parts begun so far.
  [[nodiscard]] std::size_t files() const noexcept { return files_; }

 private:
  enum class PartKind { Skip, Field, File };
  void begin(const MultipartPart& part);
  void data(std::string_view bytes);
  void end();
  MultipartFormError fail(MultipartFormError e);

  MultipartParser parser_;
  MultipartFormLimits limits_;
  FormValues values_;
  std::string name_, value_;  // the plain field being read
  std::size_t value_bytes_ = 0;
  std::size_t fields_ = 0;
  std::size_t files_ = 0;
  PartKind kind_ = PartKind::Skip;
  MultipartFormError error_;
};

}  // namespace nethttp
