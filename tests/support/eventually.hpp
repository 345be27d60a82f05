#pragma once
// eventually: wait for a condition with a deadline, for tests that watch another thread.

#include <chrono>
#include <thread>

namespace nethttp::test {

/// eventually calls pred until it returns true or limit has passed (a poll every
/// millisecond, not a fixed wait), and returns pred's last answer.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return pred();
}

}  // namespace nethttp::test
