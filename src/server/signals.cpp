// OnSignals and ShutdownOnSignals: signals turned into calls on a thread of their own.
//
// A sigaction handler writes the signal number into a pipe (write(2) is async-signal-safe),
// and a waiter thread reads it and runs the callback. Unlike sigwait on a blocked mask this
// does not care which thread the kernel picks or which threads existed before: any thread
// that takes the signal runs the handler, so construction order in main() no longer matters.

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "nethttp/server.hpp"

namespace nethttp {

namespace {

constexpr int kMaxSignal = 65;  // Linux NSIG: 1..64

// The write end of the pipe that receives each signal, stored plus one (0 = nobody: static
// zero-initialisation must not name stdin). Read by the handler, so lock-free atomics only.
std::array<std::atomic<int>, kMaxSignal> g_pipe_for{};
// How many handlers are running: a destructor waits for 0 before closing its pipe, so a
// handler that already loaded the descriptor never writes into a closed (or reused) one.
std::atomic<int> g_in_handler{0};
std::mutex g_registry;  // serialises installing and restoring dispositions

void on_signal(int sig) {
  const int saved_errno = errno;
  g_in_handler.fetch_add(1);
  if (sig > 0 && sig < kMaxSignal) {
    const int fd = g_pipe_for[static_cast<std::size_t>(sig)].load() - 1;
    if (fd >= 0) {
      const auto byte = static_cast<unsigned char>(sig);
      [[maybe_unused]] ssize_t n = ::write(fd, &byte, 1);  // full pipe: the signal is pending anyway
    }
  }
  g_in_handler.fetch_sub(1);
  errno = saved_errno;
}

}  // namespace

struct OnSignals::State {
  std::vector<int> signals;
  std::vector<struct sigaction> previous_action;
  std::vector<int> previous_pipe;
  UniqueFd read_end, write_end;
  std::function<void(int)> callback;
  std::thread waiter;
};

OnSignals::OnSignals(std::initializer_list<int> signals, std::function<void(int)> callback)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.callback = std::move(callback);
  for (int sig : signals) {
    if (sig <= 0 || sig >= kMaxSignal || sig == SIGKILL || sig == SIGSTOP) {
      throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                              "OnSignals: signal " + std::to_string(sig));
    }
    s.signals.push_back(sig);
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::system_error(errno, std::system_category(), "OnSignals: pipe");
  s.read_end.reset(fds[0]);
  s.write_end.reset(fds[1]);

  sigset_t set;
  sigemptyset(&set);
  for (int sig : s.signals) sigaddset(&set, sig);
  // The waiter unblocks the signals for itself, so they are delivered even when every other
  // thread blocks them (as code written for the sigwait style does).
  s.waiter = std::thread([&s, set] {
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    for (;;) {
      pollfd p{s.read_end.get(), POLLIN, 0};
      if (::poll(&p, 1, -1) < 0) continue;  // EINTR: our own handler ran on this thread
      unsigned char buf[64];
      ssize_t n = ::read(s.read_end.get(), buf, sizeof buf);
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[i] == 0) return;  // the destructor's stop byte
        s.callback(buf[i]);
      }
    }
  });

  std::lock_guard lock(g_registry);
  for (int sig : s.signals) {
    auto& slot = g_pipe_for[static_cast<std::size_t>(sig)];
    s.previous_pipe.push_back(slot.exchange(s.write_end.get() + 1));
    struct sigaction act {};
    act.sa_handler = on_signal;
    sigemptyset(&act.sa_mask);
    act.sa_flags = SA_RESTART;
    struct sigaction old {};
    ::sigaction(sig, &act, &old);
    s.previous_action.push_back(old);
  }
}

OnSignals::~OnSignals() {
  State& s = *state_;
  {
    std::lock_guard lock(g_registry);
    for (std::size_t i = s.signals.size(); i-- > 0;) {
      ::sigaction(s.signals[i], &s.previous_action[i], nullptr);
      g_pipe_for[static_cast<std::size_t>(s.signals[i])].store(s.previous_pipe[i]);
    }
  }
  while (g_in_handler.load() != 0) std::this_thread::yield();
  const unsigned char stop = 0;
  while (::write(s.write_end.get(), &stop, 1) < 0 && errno == EINTR) {}
  s.waiter.join();
}

ShutdownOnSignals::ShutdownOnSignals(Server& server, std::chrono::milliseconds deadline,
                                     std::initializer_list<int> signals)
    : on_(signals.size() == 0 ? std::initializer_list<int>{SIGINT, SIGTERM} : signals,
          [this, &server, deadline](int sig) {
            int none = 0;
            if (received_.compare_exchange_strong(none, sig)) server.shutdown(deadline);
          }) {}

ShutdownOnSignals::~ShutdownOnSignals() = default;

}  // namespace nethttp
