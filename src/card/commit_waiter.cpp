#include "card/commit_waiter.h"

namespace sesame::card {

void CommitWaiter::when_done(std::function<void(bool ok)> on_done) {
  std::unique_lock lock(state_->mu);
  if (state_->outstanding > 0) {
    state_->on_done = std::move(on_done);
    return;
  }
  const bool ok = state_->ok;
  state_->ok = true;
  lock.unlock();
  on_done(ok);
}

bool CommitWaiter::idle() const {
  std::lock_guard lock(state_->mu);
  return state_->outstanding == 0;
}

std::uint64_t CommitWaiter::begun() const {
  std::lock_guard lock(state_->mu);
  return state_->begun;
}

void CommitWaiter::wait_quiet() const {
  std::unique_lock lock(state_->mu);
  state_->quiet.wait(lock, [&] { return state_->outstanding == 0 && !state_->calling; });
}

void CommitWaiter::State::begin() {
  std::lock_guard lock(mu);
  ++outstanding;
  ++begun;
}

void CommitWaiter::State::finish(bool succeeded) {
  std::unique_lock lock(mu);
  if (!succeeded) ok = false;
  if (--outstanding > 0) return;
  if (!on_done) {
    quiet.notify_all();
    return;
  }
  auto f = std::move(on_done);
  on_done = nullptr;
  const bool all_ok = ok;
  ok = true;
  calling = true;
  lock.unlock();
  f(all_ok);
  lock.lock();
  calling = false;
  quiet.notify_all();
}

}  // namespace sesame::card
