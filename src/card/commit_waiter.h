// What a transport waits on before it answers: the durable commits its commands submitted with
// CardService::transmit_deferred. Thread-safe: commits finish on the store's writer thread.
#pragma once

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

 private:
  friend class CardService;
  friend struct CommitTicket;
  struct State {
    mutable std::mutex mu;
    int outstanding = 0;
    bool ok = true;
    std::function<void(bool)> on_done;
    void begin();
    void finish(bool succeeded);
  };
  std::shared_ptr<State> state_;
};

}  // namespace sesame::card
