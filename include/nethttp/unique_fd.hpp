#pragma once
/// \file unique_fd.hpp
/// UniqueFd: the move-only owner of one POSIX file descriptor.

#include <utility>

namespace nethttp {

/// UniqueFd owns one file descriptor and closes it when destroyed or reset.
/// It is move-only; a moved-from UniqueFd holds -1. Not thread-safe.
class UniqueFd {
 public:
  /// Takes ownership of fd (-1 means "none").
  explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
  /// Moving transfers ownership; other is left holding -1.
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  /// Move-assigning closes the descriptor held before.
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  /// get returns the descriptor without giving up ownership.
  [[nodiscard]] int get() const noexcept { return fd_; }
  /// valid reports whether a descriptor is held.
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  /// A UniqueFd is true when valid().
  explicit operator bool() const noexcept { return valid(); }
  /// release gives up ownership and returns the descriptor.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
  /// reset closes the held descriptor (if any) and takes fd instead.
  void reset(int fd = -1) noexcept;

 private:
  int fd_;
};

}  // namespace nethttp
