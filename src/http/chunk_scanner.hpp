#pragma once
// ChunkScanner: a strictness pass over a chunked request body (RFC 9112 section 7.1) that
// runs ahead of llhttp, as HeaderScanner does for the header block. llhttp 8.1 in strict
// mode takes any two bytes for the CRLF after chunk data, any byte after a CR in a chunk-size
// line, and obs-fold in trailers: each is a way for two parsers to disagree on where a
// message ends, which is how request smuggling works. The scanner checks the framing only
// (sizes, CRLFs, the trailer section's line rules); llhttp still validates the rest, such
// as chunk-extension syntax, over the bytes the scanner has passed.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/header_scanner.hpp"

namespace nethttp::detail {

class ChunkScanner {
 public:
  using Result = ScanResult;

  /// scan examines body bytes from the current position. need_more: every byte so far is
  /// well framed (consumed == data.size()); done: the chunked body, trailers included, ends
  /// after consumed bytes; error: the byte at consumed breaks the framing.
  Result scan(std::string_view data, std::size_t& consumed) noexcept;
  /// reset prepares for the next message's body.
  void reset() noexcept {
    state_ = State::size_first;
    remaining_ = 0;
  }

 private:
  enum class State { size_first, size, size_rest, size_lf, data, data_cr, data_lf, trailers, done };
  State state_ = State::size_first;
  std::uint64_t remaining_ = 0;  // chunk size while reading it, then data bytes still to come
  HeaderScanner trailers_;
};

}  // namespace nethttp::detail
