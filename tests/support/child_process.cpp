#include "support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <stdexcept>

extern char** environ;

namespace nethttp::test {

namespace {

using namespace std::chrono_literals;

// read_into appends what one read() returns; false at EOF or on an error.
bool read_into(const UniqueFd& fd, std::string& into) {
  char buf[4096];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n <= 0) return false;
  into.append(buf, static_cast<std::size_t>(n));
  return true;
}

}  // namespace

ChildProcess::ChildProcess(const std::string& binary, std::vector<std::string> args) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  out_.reset(out[0]);
  UniqueFd out_w(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  err_.reset(err[0]);
  UniqueFd err_w(err[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.get(), 2);
  args.insert(args.begin(), binary);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn " + binary + " failed");
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

int ChildProcess::wait_exit() {
  drain(10s);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  reaped_ = true;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ChildProcess::read_stdout_line() {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (stdout_.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out_.get(), POLLIN, 0};
    if (::poll(&p, 1, 100) == 1 && !read_into(out_, stdout_)) break;
  }
  std::size_t nl = stdout_.find('\n');
  std::string line = stdout_.substr(0, nl);
  stdout_.erase(0, nl == std::string::npos ? nl : nl + 1);
  return line;
}

std::string ChildProcess::read_stdout_line_containing(std::string_view what) {
  for (int i = 0; i < 20; ++i) {
    std::string line = read_stdout_line();
    if (line.find(what) != std::string::npos) return line;
    if (line.empty()) break;
  }
  return {};
}

void ChildProcess::signal(int sig) const { ::kill(pid_, sig); }

void ChildProcess::drain(std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  bool out_open = true, err_open = true;
  while ((out_open || err_open) && std::chrono::steady_clock::now() < deadline) {
    pollfd p[2] = {{out_open ? out_.get() : -1, POLLIN, 0}, {err_open ? err_.get() : -1, POLLIN, 0}};
    if (::poll(p, 2, 100) <= 0) continue;
    if (p[0].revents != 0 && !read_into(out_, stdout_)) out_open = false;
    if (p[1].revents != 0 && !read_into(err_, stderr_)) err_open = false;
  }
}

std::uint16_t port_after(std::string_view line, std::string_view prefix) {
  std::size_t at = line.rfind(prefix);
  if (at == std::string_view::npos) return 0;
  std::string_view rest = line.substr(at + prefix.size());
  std::uint16_t port = 0;
  std::from_chars(rest.data(), rest.data() + rest.size(), port);
  return port;
}

}  // namespace nethttp::test
