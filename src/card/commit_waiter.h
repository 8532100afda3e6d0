// What a transport waits on before it answers: the durable commits its commands submitted with
// CardService::transmit_deferred. Thread-safe: commits finish on the store's writer thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace sesame::card {

class CommitWaiter {
 public:
  CommitWaiter() : state_(std::make_shared<State>()) {}

  // Runs `on_done(ok)` once every commit tracked so far has finished: at once, on the calling
  // thread, when none is outstanding; otherwise on the thread that finishes the last one (the
  // store's writer: post the real work elsewhere). `ok` is false if any of them failed. The next
  // batch starts clean. One on_done at a time.
  void when_done(std::function<void(bool ok)> on_done);
  bool idle() const;
  // Commits tracked since this waiter was made (a transport notes which command made the first of
  // a batch).
  std::uint64_t begun() const;
  // Blocks until no commit is outstanding and no on_done is running: afterwards no callback of
  // this waiter runs any more (a transport ending a session waits for this before it goes).
  void wait_quiet() const;

 private:
  friend class CardService;
  friend struct CommitTicket;
  struct State {
    mutable std::mutex mu;
    mutable std::condition_variable quiet;
    int outstanding = 0;
    std::uint64_t begun = 0;
    bool calling = false;  // on_done is running
    bool ok = true;
    std::function<void(bool)> on_done;
    void begin();
    void finish(bool succeeded);
  };
  std::shared_ptr<State> state_;
};

}  // namespace sesame::card
