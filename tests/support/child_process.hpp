#pragma once
// ChildProcess: an example program run by a test, with its stdout and stderr on pipes.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/unique_fd.hpp"

namespace nethttp::test {

/// ChildProcess starts binary with args and keeps what it prints. Its destructor kills
/// (SIGKILL) and reaps a child that is still running, so a failing test leaves no process.
/// Failures to start throw std::runtime_error.
class ChildProcess {
 public:
  ChildProcess(const std::string& binary, std::vector<std::string> args);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// wait_exit reads both pipes to EOF (at most 10 s), then returns the exit status (-1 if
  /// killed by a signal).
  int wait_exit();
  /// read_stdout_line waits (at most 10 s) for one complete line on stdout and returns it
  /// without the newline; "" if none came.
  std::string read_stdout_line();
  /// read_stdout_line_containing reads stdout lines (as read_stdout_line does, 20 at most)
  /// until one contains what, and returns it; "" if none did.
  std::string read_stdout_line_containing(std::string_view what);
  /// signal sends sig to the child.
  void signal(int sig) const;
  /// err and out are what the child printed so far (out: past the lines already returned).
  [[nodiscard]] const std::string& err() const { return stderr_; }
  [[nodiscard]] const std::string& out() const { return stdout_; }

 private:
  void drain(std::chrono::seconds limit);
  pid_t pid_ = -1;
  bool reaped_ = false;
  UniqueFd out_, err_;
  std::string stdout_, stderr_;
};

/// port_after returns the TCP port that follows the last `prefix` in line (for a startup
/// line such as "hello: listening on 127.0.0.1:41234 with 2 loops", prefix "127.0.0.1:"),
/// or 0 when there is none.
std::uint16_t port_after(std::string_view line, std::string_view prefix);

}  // namespace nethttp::test
