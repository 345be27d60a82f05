#include "http/chunk_scanner.hpp"

#include <algorithm>
#include <limits>

#include "core/escape.hpp"

namespace nethttp::detail {

ChunkScanner::Result ChunkScanner::scan(std::string_view data, std::size_t& consumed) noexcept {
  std::size_t i = 0;
  while (i < data.size()) {
    const char c = data[i];
    switch (state_) {
      case State::size_first:  // chunk-size = 1*HEXDIG
        if (hex_value(c) < 0) {
          consumed = i;
          return Result::error;
        }
        remaining_ = 0;
        state_ = State::size;
        continue;  // read the digit in State::size
      case State::size: {
        const int d = hex_value(c);
        if (d < 0) {
          state_ = State::size_rest;
          continue;
        }
        if (remaining_ > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
          consumed = i;
          return Result::error;  // a size that overflows 64 bits
        }
        remaining_ = (remaining_ << 4) | static_cast<std::uint64_t>(d);
        break;
      }
      case State::size_rest:  // chunk-ext, up to CRLF (llhttp checks its syntax)
        if (c == '\r') {
          state_ = State::size_lf;
        } else if (c == '\n') {
          consumed = i;
          return Result::error;  // bare LF
        }
        break;
      case State::size_lf:
        if (c != '\n') {
          consumed = i;
          return Result::error;  // bare CR
        }
        if (remaining_ == 0) {
          trailers_.start_trailers();  // last-chunk: the trailer section follows
          state_ = State::trailers;
        } else {
          state_ = State::data;
        }
        break;
      case State::data: {
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - i));
        remaining_ -= take;
        i += take;
        if (remaining_ == 0) state_ = State::data_cr;
        continue;
      }
      case State::data_cr:  // chunk-data is followed by exactly CRLF
        if (c != '\r') {
          consumed = i;
          return Result::error;
        }
        state_ = State::data_lf;
        break;
      case State::data_lf:
        if (c != '\n') {
          consumed = i;
          return Result::error;
        }
        state_ = State::size_first;
        break;
      case State::trailers: {
        // The trailer section's verdict is the body's: HeaderScanner consumes all it was
        // given when it needs more, up to the final LF when done.
        std::size_t used = 0;
        const Result r = trailers_.scan(data.substr(i), used);
        if (r == Result::done) state_ = State::done;
        consumed = i + used;
        return r;
      }
      case State::done:
        consumed = i;
        return Result::done;
    }
    ++i;
  }
  consumed = data.size();
  return state_ == State::done ? Result::done : Result::need_more;
}

}  // namespace nethttp::detail
