// The network I/O threads, shared by RACS and HTTPS: one io_context per thread (concurrency hint 1),
// each run by its own thread.
// The listener spreads connections over them round-robin, so a connection's handlers always run on
// one thread: no strand, no lock in the scheduler, no cross-thread wake-up per request. (One
// io_context shared by several threads needed a strand per connection and woke threads through a
// condition variable; on two cores it served fewer APDUs/s with two threads than with one.)
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace sesame::server {

class IoLoops {
 public:
  explicit IoLoops(std::size_t threads);
  ~IoLoops();  // stops the loops and joins their threads
  IoLoops(const IoLoops&) = delete;
  IoLoops& operator=(const IoLoops&) = delete;

  std::size_t size() const { return loops_.size(); }
  asio::io_context& loop(std::size_t i) { return *loops_.at(i); }

  // Starts one thread per loop. A handler that throws stops every loop and calls `on_failure`
  // (from that thread); failure() keeps the first exception.
  void run_threads(std::function<void()> on_failure = {});
  // Lets each loop's run() return once it has no work left (after the listener stopped).
  void release();
  void stop();
  void join_threads();
  // Runs what was posted to the loops after their threads returned (a session's end coming back
  // from the card pool), on the calling thread.
  void drain();
  std::exception_ptr failure() const;
  // For CPU accounting in the benchmarks.
  std::vector<std::thread::native_handle_type> native_handles();

 private:
  using Guard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<asio::io_context>> loops_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
  mutable std::mutex mutex_;
  std::exception_ptr failure_;
};

}  // namespace sesame::server
