#include "server/io_loops.h"

#include <algorithm>

namespace sesame::server {

IoLoops::IoLoops(std::size_t threads) {
  const std::size_t n = std::max<std::size_t>(1, threads);
  for (std::size_t i = 0; i < n; ++i) {
    loops_.push_back(std::make_unique<asio::io_context>(1));
    guards_.push_back(asio::make_work_guard(*loops_.back()));
  }
}

IoLoops::~IoLoops() {
  stop();
  join_threads();
}

void IoLoops::run_threads(std::function<void()> on_failure) {
  for (auto& l : loops_) {
    threads_.emplace_back([this, loop = l.get(), on_failure] {
      try {
        loop->run();
      } catch (...) {
        {
          std::lock_guard lock(mutex_);
          if (!failure_) failure_ = std::current_exception();
        }
        stop();
        if (on_failure) on_failure();
      }
    });
  }
}

void IoLoops::release() {
  for (auto& g : guards_) g.reset();
}

void IoLoops::stop() {
  for (auto& l : loops_) l->stop();
}

void IoLoops::join_threads() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void IoLoops::drain() {
  for (auto& l : loops_) {
    l->restart();
    l->run();
  }
}

std::exception_ptr IoLoops::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

std::vector<std::thread::native_handle_type> IoLoops::native_handles() {
  std::vector<std::thread::native_handle_type> h;
  for (auto& t : threads_) h.push_back(t.native_handle());
  return h;
}

}  // namespace sesame::server
