#pragma once
// Wakeup: a descriptor another thread can make readable to interrupt a loop's poll.
// wakeup_linux.cpp uses an eventfd; wakeup_bsd.cpp a non-blocking pipe.

#include "nethttp/unique_fd.hpp"

namespace nethttp::detail {

class Wakeup {
 public:
  Wakeup();  ///< throws std::system_error
  /// notify makes fd() readable. Thread-safe, async-signal-safe.
  void notify() noexcept;
  /// drain consumes pending notifications (loop thread).
  void drain() noexcept;
  /// fd is what the loop polls for readability.
  [[nodiscard]] int fd() const noexcept { return read_.get(); }

 private:
  UniqueFd read_;
  UniqueFd write_;  // unused (-1) with eventfd
};

}  // namespace nethttp::detail
