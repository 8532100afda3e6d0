// A store backend for tests of deferred commits: it holds every commit_async until the test lets
// it finish, so a test decides when a commit "is durable" (applied, done(nullptr)) or fails
// (done(io), nothing applied), as a store's writer thread would after its fsync.
#pragma once

#include <deque>
#include <utility>

#include "store/backend.h"
#include "store/memory_backend.h"
#include "util/error.h"

namespace sesame::test {

class GatedBackend final : public store::Backend {
 public:
  std::vector<std::string> list_cards() override { return inner_.list_cards(); }
  std::optional<Bytes> wrapped_card_key(const std::string& id) override { return inner_.wrapped_card_key(id); }
  void create_card(const std::string& id, ByteView key, const std::vector<store::RowWrite>& rows) override {
    inner_.create_card(id, key, rows);
  }
  bool delete_card(const std::string& id) override { return inner_.delete_card(id); }
  std::map<std::string, store::SealedRecord> load_records(const std::string& id) override {
    return inner_.load_records(id);
  }
  std::optional<store::SealedRecord> load_record(const std::string& id, const std::string& key) override {
    return inner_.load_record(id, key);
  }
  void commit(const store::CardWrite& w) override { inner_.commit(w); }
  void commit_async(store::CardWrite w, CommitDone done) override { held_.push_back({std::move(w), std::move(done)}); }

  std::size_t held() const { return held_.size(); }
  // Finishes the oldest held commit: applied and reported durable, or failed with nothing applied.
  void finish_one(bool ok) {
    auto [w, done] = std::move(held_.front());
    held_.pop_front();
    if (!ok) return done(std::make_exception_ptr(Error(Errc::io, "store: injected failure")));
    std::exception_ptr e;
    try {
      inner_.commit(w);
    } catch (...) {
      e = std::current_exception();
    }
    done(e);
  }

 private:
  store::MemoryBackend inner_;
  std::deque<std::pair<store::CardWrite, CommitDone>> held_;
};

}  // namespace sesame::test
