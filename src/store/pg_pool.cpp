#include "store/pg_pool.h"

namespace sesame::store {

PgPool::PgPool(std::string conninfo, int size, int statement_timeout_ms)
    : conninfo_(std::move(conninfo)),
      size_(size < 1 ? 1 : size),
      statement_timeout_ms_(statement_timeout_ms) {}

PgPool::Handle PgPool::get() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Handle(*this, std::move(c));
    }
    if (open_ < size_) {
      ++open_;
      lock.unlock();
      try {
        return Handle(*this, std::make_unique<PgConnection>(conninfo_, statement_timeout_ms_));
      } catch (...) {
        std::lock_guard relock(mu_);
        --open_;
        cv_.notify_one();
        throw;
      }
    }
    cv_.wait(lock);
  }
}

void PgPool::give_back(std::unique_ptr<PgConnection> c) noexcept {
  // A connection left inside a transaction (a throw between BEGIN and COMMIT that could not roll
  // back) or cut off is not reused.
  const bool reusable = c && !c->broken() && !c->in_transaction();
  std::unique_ptr<PgConnection> drop;
  {
    std::lock_guard lock(mu_);
    if (reusable) {
      idle_.push_back(std::move(c));
    } else {
      drop = std::move(c);
      --open_;
    }
  }
  cv_.notify_one();
}

}  // namespace sesame::store
