#include "http/header_scanner.hpp"

#include <cstring>

namespace nethttp::detail {

HeaderScanner::Result HeaderScanner::scan(std::string_view data, std::size_t& consumed) noexcept {
  std::size_t i = 0;
  for (; i < data.size(); ++i) {
    char c = data[i];
    switch (state_) {
      case State::start:  // RFC 9112 2.2: empty lines before the request line are skipped
        if (c == '\r')
          state_ = State::start_cr;
        else if (c == '\n')
          return Result::error;
        else
          state_ = State::request_line;
        break;
      case State::start_cr:
        if (c != '\n') return Result::error;
        state_ = State::start;
        break;
      case State::request_line:
      case State::value: {
        // Line content is most of every header block: find its CR with memchr, then make
        // sure no LF hides before it, instead of a switch round per byte.
        const char* line = data.data() + i;
        const std::size_t left = data.size() - i;
        const auto* cr = static_cast<const char*>(std::memchr(line, '\r', left));
        const std::size_t span = cr != nullptr ? static_cast<std::size_t>(cr - line) : left;
        if (std::memchr(line, '\n', span) != nullptr) return Result::error;  // bare LF
        if (cr == nullptr) {
          consumed = data.size();
          return Result::need_more;
        }
        i += span;  // at the CR; the loop steps past it
        state_ = State::cr;
        break;
      }
      case State::cr:
        if (c != '\n') return Result::error;  // bare CR
        state_ = State::line_start;
        break;
      case State::line_start:
        if (c == '\r')
          state_ = State::end_cr;
        else if (c == ' ' || c == '\t' || c == '\n' || c == ':')
          return Result::error;  // obs-fold, bare LF, no name
        else
          state_ = State::name;
        break;
      case State::name:
        while (c != ':') {
          if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return Result::error;  // RFC 9112 5.1
          if (++i == data.size()) {
            consumed = i;
            return Result::need_more;
          }
          c = data[i];
        }
        state_ = State::value;
        break;
      case State::end_cr:
        if (c != '\n') return Result::error;
        state_ = State::done;
        consumed = i + 1;
        return Result::done;
      case State::done: consumed = i; return Result::done;
    }
  }
  consumed = i;
  return state_ == State::done ? Result::done : Result::need_more;
}

}  // namespace nethttp::detail
