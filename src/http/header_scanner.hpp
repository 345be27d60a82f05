#pragma once
// HeaderScanner: a strictness pass over the request line and header fields that runs ahead
// of llhttp. llhttp 8's strict mode still accepts a bare LF after the request line and at
// the end of the header block (its HTTP/0.9 path), obs-fold continuation lines, and
// whitespace between a field name and its colon; RFC 9112 sections 2.2, 5.1 and 5.2 let a
// server reject all of these, and accepting them is how request smuggling starts. The
// scanner stops at the blank line that ends the header block; the connection resets it at
// each message boundary (it pauses llhttp there, so the next message starts a new execute).

#include <cstddef>
#include <string_view>

namespace nethttp::detail {

/// ScanResult is what a strictness pass (HeaderScanner, ChunkScanner) says of the bytes it
/// has seen: all fine so far, its part of the message complete, or broken.
enum class ScanResult { need_more, done, error };

class HeaderScanner {
 public:
  using Result = ScanResult;

  /// scan examines data from the current position. Returns done with consumed set to the
  /// bytes up to and including the header block's final LF, need_more when data ran out
  /// (consumed == data.size()), or error.
  Result scan(std::string_view data, std::size_t& consumed) noexcept;
  /// reset prepares for the next message.
  void reset() noexcept { state_ = State::start; }
  /// start_trailers prepares for a chunked body's trailer section: field lines, with the
  /// same rules, up to the blank line, and no request line before them.
  void start_trailers() noexcept { state_ = State::line_start; }
  [[nodiscard]] bool done() const noexcept { return state_ == State::done; }

 private:
  enum class State { start, start_cr, request_line, line_start, name, value, cr, end_cr, done };
  State state_ = State::start;
};

}  // namespace nethttp::detail
