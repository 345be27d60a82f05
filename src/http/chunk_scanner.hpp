#pragma once
// ChunkScanner: a strictness pass over a chunked request body (RFC 9112 section 7.1) that
// runs ahead of llhttp, as HeaderScanner does for the header block. llhttp 8.1 in strict
// mode takes any two bytes for the CRLF after chunk data, any byte after a CR in a chunk-size
// line, and obs-fold in trailers: each is a way for two parsers to disagree on where a
// message ends, which is how request smuggling works. The scanner checks the framing (sizes,
// CRLFs, the trailer section's line rules) and the chunk extensions, which it also cuts out:
// llhttp 8.1 refuses valid ones (several per chunk, quoted-string values), and they carry
// nothing we use, so llhttp is given the body without them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/header_scanner.hpp"

namespace nethttp::detail {

class ChunkScanner {
 public:
  using Result = ScanResult;

  /// ChunkScanner accepts at most max_extension_bytes of chunk extensions per chunk.
  explicit ChunkScanner(std::size_t max_extension_bytes = 4096) noexcept : max_ext_(max_extension_bytes) {}

  /// scan examines body bytes from the current position. need_more: every byte so far is
  /// well framed (consumed == data.size()); done: the chunked body, trailers included, ends
  /// after consumed bytes; error: the byte at consumed breaks the framing. Chunk extensions
  /// (`;name=value`, `;name="quoted"`, RFC 9112 7.1.1) are checked and left out: when this
  /// call met any, stripped() is true and `without_ext` holds data[0, consumed) minus them
  /// (otherwise without_ext is not touched, and the bytes are to be used as they are).
  Result scan(std::string_view data, std::size_t& consumed, std::string& without_ext);
  /// stripped reports whether the last scan() cut out extension bytes.
  [[nodiscard]] bool stripped() const noexcept { return stripped_; }
  /// reset prepares for the next message's body.
  void reset() noexcept {
    state_ = State::size_first;
    remaining_ = 0;
  }

 private:
  enum class State {
    size_first,
    size,
    size_lf,
    data,
    data_cr,
    data_lf,
    trailers,
    done,
    // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
    ext,
    ext_name_start,
    ext_name,
    ext_after_name,
    ext_value_start,
    ext_token,
    ext_quoted,
    ext_quoted_pair,
  };
  static bool in_ext(State s) noexcept { return s >= State::ext; }
  /// ext_byte advances the extension state machine over c; false if c breaks the syntax.
  bool ext_byte(char c) noexcept;

  State state_ = State::size_first;
  std::uint64_t remaining_ = 0;  // chunk size while reading it, then data bytes still to come
  std::size_t ext_bytes_ = 0;    // extension bytes of the current chunk
  std::size_t max_ext_;
  bool stripped_ = false;
  HeaderScanner trailers_;
};

}  // namespace nethttp::detail
