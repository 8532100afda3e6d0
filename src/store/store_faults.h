// Failure injection for tests: makes chosen backend commits throw Error(Errc::io) part-way
// through, so a test can check that a card is left exactly before or exactly after a commit.
#pragma once

#include <atomic>

namespace sesame::store {

// Shared by a test and a backend (pass it at open). Only Backend::commit() calls are counted;
// create_card and delete_card are never failed. A failing commit has already written some of its
// rows when it throws, so the backend's rollback is exercised too.
struct StoreFaults {
  // -1: off. n >= 0: n more commits succeed, the next one fails, then injection switches off.
  std::atomic<int> fail_commit_after{-1};
  // While true every commit fails.
  std::atomic<bool> fail_all_commits{false};
  // Number of commits failed by injection so far.
  std::atomic<int> injected{0};

  // Called once per commit by a backend: true means "make this commit fail".
  bool next_commit_fails() noexcept {
    bool doomed = fail_all_commits.load();
    int n = fail_commit_after.load();
    while (!doomed && n >= 0) {
      if (fail_commit_after.compare_exchange_weak(n, n - 1)) {
        doomed = n == 0;
        break;
      }
    }
    if (doomed) ++injected;
    return doomed;
  }
};

}  // namespace sesame::store
