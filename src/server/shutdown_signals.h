// sesamed's SIGINT/SIGTERM handling: the first signal asks for a clean stop (listeners close,
// cards are powered off, the store closes); a second one while that is still going on ends the
// process at once with 128 + the signal number (130 for SIGINT, 143 for SIGTERM), as an operator
// pressing Ctrl-C twice expects. The previous signal dispositions come back on destruction.
#pragma once

#include <functional>
#include <memory>

namespace asio {
class io_context;
}

namespace sesame::server {

class ShutdownSignals {
 public:
  // `on_first(signo)` runs on `io` when the first SIGINT or SIGTERM arrives.
  ShutdownSignals(asio::io_context& io, std::function<void(int)> on_first);
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sesame::server
