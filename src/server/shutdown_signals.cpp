#include "server/shutdown_signals.h"

#include <unistd.h>

#include <asio.hpp>
#include <csignal>

namespace sesame::server {
namespace {

extern "C" void exit_at_once(int signo) {
  // Only async-signal-safe calls here.
  static const char msg[] = "sesamed: second signal during shutdown, exiting at once\n";
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  ::_exit(128 + signo);
}

}  // namespace

struct ShutdownSignals::Impl {
  Impl(asio::io_context& io, std::function<void(int)> f) : signals(io, SIGINT, SIGTERM), on_first(std::move(f)) {}

  asio::signal_set signals;
  std::function<void(int)> on_first;
  bool armed = false;  // the at-once handlers are installed
  struct sigaction old_int {}, old_term {};

  void arm_exit_at_once() {
    struct sigaction sa {};
    sa.sa_handler = exit_at_once;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int);
    ::sigaction(SIGTERM, &sa, &old_term);
    armed = true;
  }
};

ShutdownSignals::ShutdownSignals(asio::io_context& io, std::function<void(int)> on_first)
    : impl_(std::make_unique<Impl>(io, std::move(on_first))) {
  impl_->signals.async_wait([impl = impl_.get()](const asio::error_code& ec, int signo) {
    if (ec) return;
    // Asio gives the signals back (default disposition) once the set is empty; from then on the
    // process's own handler ends it at once.
    asio::error_code ignored;
    impl->signals.clear(ignored);
    impl->arm_exit_at_once();
    impl->on_first(signo);
  });
}

ShutdownSignals::~ShutdownSignals() {
  asio::error_code ignored;
  impl_->signals.cancel(ignored);
  impl_->signals.clear(ignored);
  if (impl_->armed) {
    ::sigaction(SIGINT, &impl_->old_int, nullptr);
    ::sigaction(SIGTERM, &impl_->old_term, nullptr);
  }
}

}  // namespace sesame::server
