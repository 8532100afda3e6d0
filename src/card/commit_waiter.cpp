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

void CommitWaiter::State::begin() {
  std::lock_guard lock(mu);
  ++outstanding;
}

void CommitWaiter::State::finish(bool succeeded) {
  std::unique_lock lock(mu);
  if (!succeeded) ok = false;
  if (--outstanding > 0 || !on_done) return;
  auto f = std::move(on_done);
  on_done = nullptr;
  const bool all_ok = ok;
  ok = true;
  lock.unlock();
  f(all_ok);
}

}  // namespace sesame::card
