// Inherited listeners (the systemd socket-activation protocol), readiness notification and
// the hot binary upgrade built on them. See include/nethttp/deploy.hpp.

#include "nethttp/deploy.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>

#include "net/socket.hpp"
#include "nethttp/server.hpp"

extern char** environ;

namespace nethttp {

namespace {

constexpr int kFirstInheritedFd = 3;  // SD_LISTEN_FDS_START
constexpr long kMaxInherited = 1024;

std::error_code errno_code() { return {errno, std::system_category()}; }

bool parse_long(std::string_view s, long& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

void unset_listen_environment() {
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDNAMES");
}

// format_decimal writes value into buf (async-signal-safe) and NUL-terminates it.
void format_decimal(long value, char* buf) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 && n < 20);
  for (int i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  buf[n] = '\0';
}

// own_binary is the path of this process's program. When the file was replaced (a new
// version installed over it), /proc/self/exe reads "PATH (deleted)": PATH is the new file.
std::string own_binary() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string path(buf, static_cast<std::size_t>(n));
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.ends_with(kDeleted)) path.resize(path.size() - kDeleted.size());
  return path;
}

std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    args.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

void reap(pid_t pid, bool kill_first) {
  if (kill_first) ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {}
}

}  // namespace

std::error_code listeners_from_environment(InheritedListeners& out, std::string& problem) {
  out = {};
  problem.clear();
  const char* fds_text = std::getenv("LISTEN_FDS");
  if (fds_text == nullptr) return {};
  const char* pid_text = std::getenv("LISTEN_PID");
  if (pid_text != nullptr) {
    long pid = 0;
    if (!parse_long(pid_text, pid) || pid <= 0) {
      problem = std::string("LISTEN_PID=") + pid_text + ": not a process id";
      unset_listen_environment();
      return std::make_error_code(std::errc::invalid_argument);
    }
    if (pid != ::getpid()) return {};  // meant for another process (our parent, say)
  }
  long count = 0;
  if (!parse_long(fds_text, count) || count < 0 || count > kMaxInherited) {
    problem = std::string("LISTEN_FDS=") + fds_text + ": not a number of descriptors (0 to " +
              std::to_string(kMaxInherited) + ")";
    unset_listen_environment();
    return std::make_error_code(std::errc::invalid_argument);
  }
  std::vector<std::string> names;
  if (const char* names_text = std::getenv("LISTEN_FDNAMES")) {
    std::string_view rest(names_text);
    for (;;) {
      std::size_t colon = rest.find(':');
      names.emplace_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  if (names.size() != static_cast<std::size_t>(count)) names.assign(static_cast<std::size_t>(count), "");
  unset_listen_environment();
  InheritedListeners got;
  for (long i = 0; i < count; ++i) {
    const int fd = kFirstInheritedFd + static_cast<int>(i);
    if (auto ec = detail::adopt_listener(fd)) {
      problem = "LISTEN_FDS=" + std::to_string(count) + ": descriptor " + std::to_string(fd) +
                " is not a listening socket (" +
                (ec == std::errc::invalid_argument ? std::string("not listening or not a stream") : ec.message()) + ")";
      return ec;
    }
    got.fds.emplace_back(fd);
    got.names.push_back(names[static_cast<std::size_t>(i)]);
  }
  out = std::move(got);
  return {};
}

void notify_ready() noexcept {
  if (const char* fd_text = std::getenv("NETHTTP_READY_FD")) {
    long fd = -1;
    if (parse_long(fd_text, fd) && fd > 2 && fd < 65536) {
      constexpr std::string_view kReady = "READY=1\n";
      [[maybe_unused]] ssize_t n = ::write(static_cast<int>(fd), kReady.data(), kReady.size());
      ::close(static_cast<int>(fd));
    }
    ::unsetenv("NETHTTP_READY_FD");
  }
  if (const char* path = std::getenv("NOTIFY_SOCKET")) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    const std::size_t len = std::strlen(path);
    if (len > 0 && len < sizeof sun.sun_path) {
      std::memcpy(sun.sun_path, path, len);
      if (sun.sun_path[0] == '@') sun.sun_path[0] = '\0';  // abstract namespace
      UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      // MAINPID: after a hot upgrade the ready process is not the one systemd started
      // (it takes the message with NotifyAccess=all).
      std::string message = "READY=1\nMAINPID=" + std::to_string(::getpid());
      if (fd) {
        ::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&sun),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len));
      }
    }
    ::unsetenv("NOTIFY_SOCKET");
  }
}

UpgradeResult start_upgrade(Server& server, const UpgradeOptions& options) {
  UpgradeResult result;
  auto failed = [&result](std::error_code ec, std::string why) {
    result.error = ec;
    result.problem = std::move(why);
    return result;
  };
  std::vector<std::string> argv = options.argv;
  if (argv.empty()) {
    argv = own_arguments();
    if (argv.empty())
      return failed(std::make_error_code(std::errc::no_such_file_or_directory), "cannot read /proc/self/cmdline");
    argv[0] = own_binary();
  }
  std::vector<UniqueFd> sockets;
  if (auto ec = server.share_listeners(sockets)) return failed(ec, "the server is not listening (or already draining)");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return failed(errno_code(), "pipe");
  UniqueFd ready_read(pipe_fds[0]), ready_write(pipe_fds[1]);
  const int count = static_cast<int>(sockets.size());
  const int ready_target = kFirstInheritedFd + count;

  // Everything the child needs is built here: after fork() in a threaded process only
  // async-signal-safe calls are allowed, so the child fills in its own pid by hand.
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view v(*e);
    if (v.starts_with("LISTEN_FDS=") || v.starts_with("LISTEN_PID=") || v.starts_with("LISTEN_FDNAMES=") ||
        v.starts_with("NETHTTP_READY_FD=")) {
      continue;
    }
    env.emplace_back(v);
  }
  env.push_back("LISTEN_FDS=" + std::to_string(count));
  env.push_back("NETHTTP_READY_FD=" + std::to_string(ready_target));
  env.push_back("LISTEN_PID=" + std::string(24, '\0'));
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  char* pid_digits = env.back().data() + std::strlen("LISTEN_PID=");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<int> sources;
  int highest = ready_target;
  for (auto& s : sockets) {
    sources.push_back(s.get());
    highest = std::max(highest, s.get());
  }
  sources.push_back(ready_write.get());
  highest = std::max(highest, ready_write.get());

  const pid_t pid = ::fork();
  if (pid < 0) return failed(errno_code(), "fork");
  if (pid == 0) {
    // Child: move every source above both ranges first, so no dup2 overwrites a source.
    std::vector<int>::size_type n = sources.size();
    for (std::vector<int>::size_type i = 0; i < n; ++i) {
      int moved = ::fcntl(sources[i], F_DUPFD, highest + 1);
      if (moved < 0) ::_exit(126);
      sources[i] = moved;
    }
    for (std::vector<int>::size_type i = 0; i < n; ++i) {
      if (::dup2(sources[i], kFirstInheritedFd + static_cast<int>(i)) < 0) ::_exit(126);  // clears FD_CLOEXEC
    }
    ::close_range(static_cast<unsigned>(ready_target + 1), ~0U, 0);
    format_decimal(static_cast<long>(::getpid()), pid_digits);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the signal thread's mask is not the program's
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  result.pid = pid;
  ready_write.reset();
  sockets.clear();

  // Wait for "READY=1": EOF first means the child exited (or closed the pipe) without it.
  std::string got;
  const auto until = std::chrono::steady_clock::now() + options.ready_timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      reap(pid, true);
      return failed(std::make_error_code(std::errc::timed_out),
                    "new process " + std::to_string(pid) + " was not ready within " +
                        std::to_string(options.ready_timeout.count()) + " ms; killed it");
    }
    pollfd p{ready_read.get(), POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (rc <= 0) continue;
    char buf[64];
    ssize_t n = ::read(ready_read.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      got.append(buf, static_cast<std::size_t>(n));
      if (got.find("READY=1") != std::string::npos) return result;
      continue;
    }
    // The pipe closed without READY=1: the child exited, or is about to, or closed it.
    // Give an exiting child a second to become reapable, then kill whatever is left.
    int status = 0;
    pid_t w = 0;
    for (int i = 0; i < 100 && w == 0; ++i) {
      w = ::waitpid(pid, &status, WNOHANG);
      if (w == 0) ::usleep(10'000);
    }
    std::string how;
    if (w == pid) {
      how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                              : "was killed by signal " + std::to_string(WTERMSIG(status));
    } else {
      reap(pid, true);
      how = "closed its ready pipe without READY=1 (killed it)";
    }
    return failed(std::make_error_code(std::errc::no_child_process),
                  "new process " + std::to_string(pid) + " (" + argv[0] + ") " + how + " before it was ready");
  }
}

}  // namespace nethttp
