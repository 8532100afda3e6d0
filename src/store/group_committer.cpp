#include "store/group_committer.h"

#include <future>

#include "util/error.h"

namespace sesame::store {

// A queued job: run() waits on `promise`; submit() hands the outcome to `done` instead and owns
// its job (the submitter does not wait, so nothing of its stack may be referenced).
struct GroupCommitter::Pending {
  const Job* job = nullptr;
  std::promise<void> promise;
  Job owned;
  Done done;

  // A throwing `done` would end the writer thread; the contract forbids it, and it is contained.
  static void call(const Done& d, std::exception_ptr e) noexcept {
    try {
      d(std::move(e));
    } catch (...) {
    }
  }
  void succeeded() {
    if (done) {
      call(done, nullptr);
      delete this;
    } else {
      promise.set_value();
    }
  }
  void failed(std::exception_ptr e) {
    if (done) {
      call(done, std::move(e));
      delete this;
    } else {
      promise.set_exception(std::move(e));
    }
  }
};

GroupCommitter::GroupCommitter(std::unique_ptr<SqliteConnection> writer, std::size_t max_batch)
    : writer_(std::move(writer)), max_batch_(max_batch == 0 ? 1 : max_batch), thread_([this] { loop(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void GroupCommitter::run(const Job& job) {
  Pending p;
  p.job = &job;
  std::future<void> f = p.promise.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) fail(Errc::state, "store: the store is closing");
    queue_.push_back(&p);
  }
  cv_.notify_one();
  f.get();
}

void GroupCommitter::submit(Job job, Done done) {
  auto p = std::make_unique<Pending>();
  p->owned = std::move(job);
  p->job = &p->owned;
  p->done = std::move(done);
  {
    std::lock_guard lock(mu_);
    if (stopping_) fail(Errc::state, "store: the store is closing");
    queue_.push_back(p.get());
  }
  p.release();  // the writer thread deletes it after calling done
  cv_.notify_one();
}

GroupCommitter::Stats GroupCommitter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::size_t GroupCommitter::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void GroupCommitter::count(std::uint64_t transactions, std::uint64_t jobs, std::uint64_t failed_groups) {
  std::lock_guard lock(mu_);
  stats_.transactions += transactions;
  stats_.jobs += jobs;
  stats_.failed_groups += failed_groups;
}

void GroupCommitter::loop() {
  for (;;) {
    std::vector<Pending*> group;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && group.size() < max_batch_) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    run_group(group);
  }
}

void GroupCommitter::run_group(const std::vector<Pending*>& group) {
  if (group.size() > 1) {
    try {
      transaction([&] {
        for (Pending* p : group) (*p->job)(*writer_);
      });
      count(1, group.size(), 0);
      for (Pending* p : group) p->succeeded();
      return;
    } catch (...) {
      count(0, 0, 1);
      // Fall through: retry one by one so a failing member cannot take the others down with it.
    }
  }
  for (Pending* p : group) {
    try {
      transaction([&] { (*p->job)(*writer_); });
      count(1, 1, 0);
    } catch (...) {
      p->failed(std::current_exception());
      continue;
    }
    p->succeeded();
  }
}

void GroupCommitter::transaction(const std::function<void()>& body) {
  writer_->exec("BEGIN IMMEDIATE");
  try {
    body();
    writer_->exec("COMMIT");
  } catch (...) {
    if (writer_->in_transaction()) {
      try {
        writer_->exec("ROLLBACK");
      } catch (...) {
        // The original failure is what the caller needs; SQLite rolls back on close anyway.
      }
    }
    throw;
  }
}

}  // namespace sesame::store
