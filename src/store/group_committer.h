// Runs write jobs on one writer connection from one thread, grouping the jobs that queued up while
// the previous transaction was being made durable into one transaction (one fsync for the group).
// A job that fails makes its group roll back; the members are then retried one transaction each,
// so every caller gets its own exact outcome and no unrelated job is half-applied.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "store/sqlite_connection.h"

namespace sesame::store {

class GroupCommitter {
 public:
  using Job = std::function<void(SqliteConnection&)>;

  // max_batch == 1 turns grouping off (one transaction per job).
  GroupCommitter(std::unique_ptr<SqliteConnection> writer, std::size_t max_batch);
  // Finishes every queued job, then stops the thread.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs job inside a write transaction and waits until that transaction committed (durably) or
  // failed; a failure is rethrown here and nothing of this job was applied.
  void run(const Job& job);

  // The same without waiting: `done` is called on the writer thread once the job's transaction
  // committed durably (nullptr) or failed (the exception; nothing of the job was applied). Jobs
  // run in the order they were queued, run() and submit() alike. `done` must not throw and must
  // not wait for anything that waits for the writer (it runs before the next group starts).
  using Done = std::function<void(std::exception_ptr)>;
  void submit(Job job, Done done);

  // Counters for tests and benchmarks.
  struct Stats {
    std::uint64_t transactions = 0;   // committed transactions (groups and single jobs)
    std::uint64_t jobs = 0;           // jobs committed
    std::uint64_t failed_groups = 0;  // groups rolled back and retried one by one
  };
  Stats stats() const;
  std::size_t queued() const;

 private:
  struct Pending;
  void loop();
  void run_group(const std::vector<Pending*>& group);
  void transaction(const std::function<void()>& body);
  void count(std::uint64_t transactions, std::uint64_t jobs, std::uint64_t failed_groups);

  std::unique_ptr<SqliteConnection> writer_;
  std::size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Stats stats_;  // guarded by mu_
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sesame::store
