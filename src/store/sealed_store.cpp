#include "store/sealed_store.h"

#include <atomic>
#include <map>
#include <mutex>
#include <utility>

#include "crypto/random.h"
#include "store/manifest.h"
#include "store/record_seal.h"
#include "util/error.h"

namespace sesame::store {
namespace {

// The highest commit counter seen for one card in this process. A manifest older than that is a
// rollback of the whole card; across restarts this cannot be detected without an external
// monotonic counter (see docs/STORE.md). Every CardStore of the card shares the one mark, and a
// commit or load touches only its own card's mark (an atomic), so cards never contend.
class HighWater {
 public:
  void observe(const std::string& card_id, std::uint64_t counter) {
    std::uint64_t hw = mark_.load(std::memory_order_acquire);
    do {
      if (counter < hw)
        fail(Errc::integrity, "store: card '" + card_id + "' was rolled back to an older commit (" +
                                  std::to_string(counter) + " < " + std::to_string(hw) + ")");
    } while (counter > hw && !mark_.compare_exchange_weak(hw, counter, std::memory_order_acq_rel));
  }

 private:
  std::atomic<std::uint64_t> mark_{0};
};

// State shared by the Store and every CardStore it opened (a CardStore may outlive its Store).
struct Shared {
  std::shared_ptr<Backend> backend;
  crypto::AesGcmKey master_key;

  Shared(std::shared_ptr<Backend> b, ByteView master) : backend(std::move(b)), master_key(master) {}

  // The marks live as long as the process knows the card (they survive closing every CardStore of
  // it). The map's lock is taken only when a card is opened, created or deleted.
  std::mutex marks_mu;
  std::map<std::string, std::shared_ptr<HighWater>> marks;

  std::shared_ptr<HighWater> mark_of(const std::string& card_id) {
    std::lock_guard lock(marks_mu);
    auto& m = marks[card_id];
    if (!m) m = std::make_shared<HighWater>();
    return m;
  }
  // A created or deleted card starts over (a CardStore still open on the old card keeps the old
  // mark; its commits fail on the manifest compare-and-swap anyway).
  void forget(const std::string& card_id) {
    std::lock_guard lock(marks_mu);
    marks.erase(card_id);
  }

  // Open CardStores per card. The backend's lease is per node, not per CardStore: it is taken by
  // the first and released when the last one closes. The lock is held across the backend calls
  // so a release cannot overtake a concurrent open of the same card.
  std::mutex lease_mu;
  std::map<std::string, int> holders;

  std::uint64_t hold_lease(const std::string& card_id) {
    std::lock_guard lock(lease_mu);
    std::uint64_t epoch = backend->acquire_lease(card_id);
    ++holders[card_id];
    return epoch;
  }
  // For a CardStore that already holds: takes the lease again if it was lost meanwhile.
  std::uint64_t renew_lease(const std::string& card_id) {
    std::lock_guard lock(lease_mu);
    return backend->acquire_lease(card_id);
  }
  void drop_lease(const std::string& card_id) noexcept {
    std::lock_guard lock(lease_mu);
    auto it = holders.find(card_id);
    if (it == holders.end() || --it->second > 0) return;
    holders.erase(it);
    backend->release_lease(card_id);
  }
};

// One CardStore's share of its card's lease.
class LeaseHold {
 public:
  LeaseHold(std::shared_ptr<Shared> shared, std::string card_id)
      : shared_(std::move(shared)), card_id_(std::move(card_id)), epoch_(shared_->hold_lease(card_id_)) {}
  ~LeaseHold() { shared_->drop_lease(card_id_); }
  LeaseHold(const LeaseHold&) = delete;
  LeaseHold& operator=(const LeaseHold&) = delete;

  std::uint64_t epoch() const { return epoch_; }
  void renew() { epoch_ = shared_->renew_lease(card_id_); }

 private:
  std::shared_ptr<Shared> shared_;
  std::string card_id_;
  std::uint64_t epoch_;
};

Manifest open_manifest(const crypto::AesGcmKey& card_key, const std::string& card_id, const SealedRecord& row) {
  SecureBytes plain = open_record(card_key, card_id, kManifestKey, row.version, row.blob);
  Manifest m = decode_manifest(plain.view(), card_id);
  if (m.counter != row.version) fail(Errc::integrity, "store: manifest of card '" + card_id + "' has a wrong version");
  return m;
}

class SealedCardStore final : public CardStore {
 public:
  SealedCardStore(std::shared_ptr<Shared> shared, std::unique_ptr<LeaseHold> lease, std::string card_id,
                  crypto::AesGcmKey card_key, std::shared_ptr<HighWater> high_water, Manifest manifest)
      : shared_(std::move(shared)), lease_(std::move(lease)), card_id_(std::move(card_id)),
        card_key_(std::move(card_key)), high_water_(std::move(high_water)), manifest_(std::move(manifest)) {}

  std::map<std::string, SecureBytes> load() override {
    // Reloading is how the runtime recovers from a failed commit: if the lease was lost (another
    // node took the card over and let it go again), take it back before reading, so the state read
    // is the state our next commit is fenced against. Throws Error(Errc::state) while another node
    // holds it.
    lease_->renew();
    std::map<std::string, SealedRecord> rows = shared_->backend->load_records(card_id_);
    auto mit = rows.find(kManifestKey);
    if (mit == rows.end()) fail(Errc::integrity, "store: manifest of card '" + card_id_ + "' is missing");
    Manifest m = open_manifest(card_key_, card_id_, mit->second);
    rows.erase(mit);

    std::map<std::string, SecureBytes> out;
    for (const auto& [key, row] : rows) {
      auto listed = m.versions.find(key);
      if (listed == m.versions.end())
        fail(Errc::integrity, "store: record '" + printable_key(key) + "' of card '" + card_id_ +
                                  "' is not in the manifest (added or copied)");
      if (listed->second != row.version)
        fail(Errc::integrity, "store: record '" + printable_key(key) + "' of card '" + card_id_ +
                                  "' has version " + std::to_string(row.version) + ", manifest says " +
                                  std::to_string(listed->second) + " (rolled back or replaced)");
      out.emplace(key, open_record(card_key_, card_id_, key, row.version, row.blob));
    }
    for (const auto& [key, version] : m.versions) {
      if (!rows.count(key))
        fail(Errc::integrity, "store: record '" + printable_key(key) + "' of card '" + card_id_ + "' is missing");
    }
    high_water_->observe(card_id_, m.counter);
    manifest_ = std::move(m);
    return out;
  }

  void commit(const std::vector<Change>& changes) override {
    if (changes.empty()) return;
    auto [w, next] = prepare(changes);
    try {
      shared_->backend->commit(w);
    } catch (const Error& e) {
      // The contract promises io for every failed commit; nothing was applied.
      if (e.code() == Errc::io) throw;
      fail(Errc::io, "store: commit to card '" + card_id_ + "' failed: " + e.what());
    }
    manifest_ = std::move(next);
    high_water_->observe(card_id_, manifest_.counter);
  }

  // The next commit chains on this one's manifest at once (optimistically): the backend applies
  // them in order, and if this one fails the next one's compare-and-swap fails too, until load().
  // The high-water mark moves only once the commit is durable, so a failed commit never makes the
  // card's durable state look rolled back.
  void commit_async(const std::vector<Change>& changes, CommitDone done) override {
    if (changes.empty()) return done(nullptr);
    auto [w, next] = prepare(changes);
    const std::uint64_t counter = next.counter;
    Manifest previous = std::exchange(manifest_, std::move(next));
    try {
      submit(std::move(w), counter, std::move(done));
    } catch (const Error& e) {
      manifest_ = std::move(previous);  // nothing was queued
      if (e.code() == Errc::io) throw;
      fail(Errc::io, "store: commit to card '" + card_id_ + "' failed: " + e.what());
    }
  }

 private:
  void submit(CardWrite w, std::uint64_t counter, CommitDone done) {
    shared_->backend->commit_async(
        std::move(w), [high_water = high_water_, card_id = card_id_, counter, done = std::move(done)](std::exception_ptr e) {
          if (e) {
            try {
              std::rethrow_exception(e);
            } catch (const Error& err) {
              if (err.code() != Errc::io)
                e = std::make_exception_ptr(Error(Errc::io, "store: commit to card '" + card_id + "' failed: " + err.what()));
            } catch (...) {
            }
            return done(std::move(e));
          }
          try {
            high_water->observe(card_id, counter);
          } catch (...) {
            return done(std::current_exception());
          }
          done(nullptr);
        });
  }

  // The backend write for `changes` and the manifest it makes current: every record sealed under
  // the next commit counter, and the manifest last.
  std::pair<CardWrite, Manifest> prepare(const std::vector<Change>& changes) {
    for (const auto& c : changes) check_record_key(c.key);
    Manifest next = manifest_;
    next.counter = manifest_.counter + 1;
    // Later changes of the same key win, as if applied in order.
    std::map<std::string, const SecureBytes*> ops;
    for (const auto& c : changes) ops[c.key] = c.value ? &*c.value : nullptr;

    CardWrite w;
    w.card_id = card_id_;
    w.manifest_key = kManifestKey;
    w.expected_manifest_version = manifest_.counter;
    w.lease_epoch = lease_->epoch();
    w.rows.reserve(ops.size() + 1);
    for (const auto& [key, value] : ops) {
      if (value) {
        w.rows.push_back({key, SealedRecord{next.counter, seal_record(card_key_, card_id_, key, next.counter,
                                                                       value->view())}});
        next.versions[key] = next.counter;
      } else {
        w.rows.push_back({key, std::nullopt});
        next.versions.erase(key);
      }
    }
    SecureBytes encoded = encode_manifest(next);
    w.rows.push_back({kManifestKey, SealedRecord{next.counter, seal_record(card_key_, card_id_, kManifestKey,
                                                                           next.counter, encoded.view())}});
    return {std::move(w), std::move(next)};
  }

  std::shared_ptr<Shared> shared_;
  std::unique_ptr<LeaseHold> lease_;
  std::string card_id_;
  crypto::AesGcmKey card_key_;  // unwrapped and expanded once at open, cleansed when the CardStore closes
  std::shared_ptr<HighWater> high_water_;
  Manifest manifest_;  // as of this CardStore's last load or commit
};

class SealedStore final : public Store {
 public:
  explicit SealedStore(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  std::vector<std::string> list_cards() override { return shared_->backend->list_cards(); }

  bool card_exists(const std::string& card_id) override {
    return shared_->backend->wrapped_card_key(card_id).has_value();
  }

  void create_card(const std::string& card_id) override {
    check_card_id(card_id);
    SecureBytes card_key = crypto::random_secret(kStoreKeySize);
    Bytes wrapped = wrap_card_key(shared_->master_key, card_id, card_key.view());
    SecureBytes encoded = encode_manifest(Manifest{});
    std::vector<RowWrite> rows;
    rows.push_back({kManifestKey, SealedRecord{0, seal_record(crypto::AesGcmKey(card_key.view()), card_id, kManifestKey,
                                                              0, encoded.view())}});
    shared_->backend->create_card(card_id, wrapped, rows);
    shared_->forget(card_id);
  }

  void delete_card(const std::string& card_id) override {
    if (!shared_->backend->delete_card(card_id)) fail(Errc::not_found, "store: no card '" + card_id + "'");
    shared_->forget(card_id);
  }

  std::unique_ptr<CardStore> open_card(const std::string& card_id) override {
    std::optional<Bytes> wrapped = shared_->backend->wrapped_card_key(card_id);
    if (!wrapped) fail(Errc::not_found, "store: no card '" + card_id + "'");
    crypto::AesGcmKey card_key(unwrap_card_key(shared_->master_key, card_id, *wrapped).view());
    // The lease first: the manifest read below must be one our commits are fenced against.
    auto lease = std::make_unique<LeaseHold>(shared_, card_id);
    std::optional<SealedRecord> row = shared_->backend->load_record(card_id, kManifestKey);
    if (!row) fail(Errc::integrity, "store: manifest of card '" + card_id + "' is missing");
    Manifest m = open_manifest(card_key, card_id, *row);
    std::shared_ptr<HighWater> high_water = shared_->mark_of(card_id);
    high_water->observe(card_id, m.counter);
    return std::make_unique<SealedCardStore>(shared_, std::move(lease), card_id, std::move(card_key),
                                             std::move(high_water), std::move(m));
  }

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace

void check_card_id(const std::string& card_id) {
  bool ok = !card_id.empty() && card_id.size() <= 200;
  for (char c : card_id) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '|') ok = false;
  }
  if (!ok) fail(Errc::invalid_argument, "store: invalid card id");
}

void check_record_key(const std::string& key) {
  if (key.empty() || key.size() > 1024 || key[0] == '\0')
    fail(Errc::invalid_argument, "store: invalid record key '" + printable_key(key) + "'");
}

std::unique_ptr<Store> open_sealed_store(std::shared_ptr<Backend> backend, SecureBytes master_key) {
  if (!backend) fail(Errc::invalid_argument, "store: no backend");
  if (master_key.size() != kStoreKeySize) fail(Errc::invalid_argument, "store: master key must be 32 bytes");
  auto shared = std::make_shared<Shared>(std::move(backend), master_key.view());
  return std::make_unique<SealedStore>(std::move(shared));
}

}  // namespace sesame::store
