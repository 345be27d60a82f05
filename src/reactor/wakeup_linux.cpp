#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

#include "reactor/wakeup.hpp"

namespace nethttp::detail {

Wakeup::Wakeup() : read_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!read_) throw std::system_error(errno, std::system_category(), "eventfd");
}

void Wakeup::notify() noexcept {
  std::uint64_t one = 1;
  // EAGAIN means the counter is saturated: the loop is already due to wake.
  while (::write(read_.get(), &one, sizeof one) < 0 && errno == EINTR) {}
}

void Wakeup::drain() noexcept {
  std::uint64_t value;
  while (::read(read_.get(), &value, sizeof value) < 0 && errno == EINTR) {}
}

}  // namespace nethttp::detail
