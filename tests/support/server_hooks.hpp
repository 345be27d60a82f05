#pragma once
// FakeServerHooks: the Server's side of a LoopContext, for tests and fuzz targets that drive
// one loop by hand (header-only: the fuzz build links no test support library).

#include <cstdint>

#include "http/loop_context.hpp"

namespace nethttp::test {

/// FakeServerHooks stands in for the Server: it hands out connection ids, admits every
/// connection (as if the server-wide count were already taken, as try_open_connection does)
/// and counts the connections given back, so a test can check that each close returns the
/// server-wide count exactly once. Single-threaded, like the loop it serves.
class FakeServerHooks final : public detail::ServerHooks {
 public:
  std::uint64_t next_connection_id() noexcept override { return ++ids_; }
  bool try_open_connection() noexcept override { return true; }
  void connection_closed() noexcept override { ++closed; }
  /// closed counts connection_closed() calls.
  int closed = 0;

 private:
  std::uint64_t ids_ = 0;
};

}  // namespace nethttp::test
