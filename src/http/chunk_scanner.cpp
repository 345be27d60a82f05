#include "http/chunk_scanner.hpp"

#include <algorithm>
#include <limits>

#include "core/escape.hpp"
#include "core/header_list.hpp"

namespace nethttp::detail {

namespace {

bool is_ws(char c) noexcept { return c == ' ' || c == '\t'; }
bool is_tchar(char c) noexcept { return kTokenChar[static_cast<unsigned char>(c)]; }

// qdtext (RFC 9110 5.6.4): HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text.
bool is_qdtext(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) || c >= 0x80;
}

// quoted-pair's second byte: HTAB / SP / VCHAR / obs-text.
bool is_quotable(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7F);
}

}  // namespace

bool ChunkScanner::ext_byte(char c) noexcept {
  switch (state_) {
    case State::ext:  // BWS before ";" (or trailing whitespace before the CRLF)
      if (c == ';') state_ = State::ext_name_start;
      return c == ';' || is_ws(c);
    case State::ext_name_start:
      if (is_tchar(c)) state_ = State::ext_name;
      return is_tchar(c) || is_ws(c);
    case State::ext_name:
    case State::ext_after_name:
      if (c == '=') {
        state_ = State::ext_value_start;
      } else if (c == ';') {
        state_ = State::ext_name_start;
      } else if (is_ws(c)) {
        state_ = State::ext_after_name;
      } else {
        return state_ == State::ext_name && is_tchar(c);
      }
      return true;
    case State::ext_value_start:
      if (c == '"') {
        state_ = State::ext_quoted;
      } else if (is_tchar(c)) {
        state_ = State::ext_token;
      } else {
        return is_ws(c);
      }
      return true;
    case State::ext_token:
      if (c == ';') {
        state_ = State::ext_name_start;
      } else if (is_ws(c)) {
        state_ = State::ext;
      } else {
        return is_tchar(c);
      }
      return true;
    case State::ext_quoted:
      if (c == '"') {
        state_ = State::ext;
      } else if (c == '\\') {
        state_ = State::ext_quoted_pair;
      } else {
        return is_qdtext(c);
      }
      return true;
    case State::ext_quoted_pair: state_ = State::ext_quoted; return is_quotable(c);
    default: return false;
  }
}

ChunkScanner::Result ChunkScanner::scan(std::string_view data, std::size_t& consumed, std::string& without_ext) {
  // Kept bytes are copied only once an extension shows up: [run, i) is the kept run not yet
  // copied. A call that starts inside an extension copies from its end on.
  stripped_ = in_ext(state_);
  if (stripped_) without_ext.clear();
  std::size_t run = 0;
  auto finish = [&](std::size_t end, Result r) {
    consumed = end;
    if (stripped_ && !in_ext(state_) && end > run) without_ext.append(data.substr(run, end - run));
    return r;
  };

  std::size_t i = 0;
  while (i < data.size()) {
    const char c = data[i];
    if (in_ext(state_)) {
      if (c == '\r' && state_ != State::ext_name_start && state_ != State::ext_value_start &&
          state_ != State::ext_quoted && state_ != State::ext_quoted_pair) {
        state_ = State::size_lf;
        run = i;  // the CR is kept
      } else if (++ext_bytes_ > max_ext_ || !ext_byte(c)) {
        return finish(i, Result::error);
      }
      ++i;
      continue;
    }
    switch (state_) {
      case State::size_first:  // chunk-size = 1*HEXDIG
        if (hex_value(c) < 0) return finish(i, Result::error);
        remaining_ = 0;
        ext_bytes_ = 0;
        state_ = State::size;
        continue;  // read the digit in State::size
      case State::size: {
        const int d = hex_value(c);
        if (d < 0) {
          if (c == '\r') {
            state_ = State::size_lf;
          } else if (c == ';' || is_ws(c)) {
            // An extension starts: from here on, kept bytes are copied.
            if (!stripped_) {
              without_ext.assign(data.substr(0, i));
              stripped_ = true;
            } else {
              without_ext.append(data.substr(run, i - run));
            }
            state_ = State::ext;
            continue;  // the byte is read in the extension states
          } else {
            return finish(i, Result::error);  // bare LF, or junk after the size
          }
          break;
        }
        if (remaining_ > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
          return finish(i, Result::error);  // a size that overflows 64 bits
        }
        remaining_ = (remaining_ << 4) | static_cast<std::uint64_t>(d);
        break;
      }
      case State::size_lf:
        if (c != '\n') return finish(i, Result::error);  // bare CR
        if (remaining_ == 0) {
          trailers_.start_trailers();  // last-chunk: the trailer section follows
          state_ = State::trailers;
        } else {
          state_ = State::data;
        }
        break;
      case State::data: {
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - i));
        remaining_ -= take;
        i += take;
        if (remaining_ == 0) state_ = State::data_cr;
        continue;
      }
      case State::data_cr:  // chunk-data is followed by exactly CRLF
        if (c != '\r') return finish(i, Result::error);
        state_ = State::data_lf;
        break;
      case State::data_lf:
        if (c != '\n') return finish(i, Result::error);
        state_ = State::size_first;
        break;
      case State::trailers: {
        // The trailer section's verdict is the body's: HeaderScanner consumes all it was
        // given when it needs more, up to the final LF when done.
        std::size_t used = 0;
        const Result r = trailers_.scan(data.substr(i), used);
        if (r == Result::done) state_ = State::done;
        return finish(i + used, r);
      }
      case State::done: return finish(i, Result::done);
      default: break;
    }
    ++i;
  }
  return finish(data.size(), state_ == State::done ? Result::done : Result::need_more);
}

}  // namespace nethttp::detail
