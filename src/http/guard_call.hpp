#pragma once
// guard_call: the one exception boundary between the loop and user callbacks. Every
// callback a loop runs for a connection or an upgraded stream (handlers, deferred and
// body-reader callbacks, on_data, on_writable, ...) goes through it, so an exception never
// unwinds into the event loop; what to do about one (answer 500, close, log) stays with the
// caller's policy, passed as on_throw.

#include <exception>
#include <utility>

namespace nethttp::detail {

/// guard_call runs fn(). If it throws, on_throw runs with the exception's what() (or
/// "non-standard exception") and guard_call returns false; true otherwise. on_throw must
/// not throw (it runs inside the catch handler of a noexcept function).
template <class F, class OnThrow>
bool guard_call(F&& fn, OnThrow&& on_throw) noexcept {
  try {
    std::forward<F>(fn)();
    return true;
  } catch (const std::exception& e) {
    std::forward<OnThrow>(on_throw)(e.what());
  } catch (...) {
    std::forward<OnThrow>(on_throw)("non-standard exception");
  }
  return false;
}

}  // namespace nethttp::detail
