#include <pthread.h>
#include <signal.h>

#include <cerrno>

#include "nethttp/server.hpp"

namespace nethttp {

ShutdownOnSignals::ShutdownOnSignals(Server& server, std::chrono::milliseconds deadline,
                                     std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  if (signals.size() == 0) {
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
  } else {
    for (int s : signals) sigaddset(&set, s);
  }
  // Blocked here, the signals stay pending for sigtimedwait; threads started later (the
  // server's loops) inherit the mask, so no loop is ever interrupted by them.
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  waiter_ = std::jthread([this, &server, deadline, set](std::stop_token stop) {
    while (!stop.stop_requested()) {
      timespec ts{0, 100 * 1000 * 1000};  // poll the stop token ten times a second
      int sig = ::sigtimedwait(&set, nullptr, &ts);
      if (sig > 0) {
        received_.store(sig);
        server.shutdown(deadline);
        return;
      }
    }
  });
}

ShutdownOnSignals::~ShutdownOnSignals() = default;  // jthread requests stop and joins

}  // namespace nethttp
