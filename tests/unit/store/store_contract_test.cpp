// The Store/CardStore contract (store.h), run against every backend through the harnesses in
// store_harness.h: round trip, atomicity under injected failures, durability across reopen,
// detection of tampered, copied, renamed, rolled-back and deleted records, concurrency.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "crypto/random.h"
#include "store/manifest.h"
#include "store_harness.h"
#include "util/error.h"

#include "../common/expect_errc.h"

namespace sesame::store::testing {
namespace {

using Plain = std::map<std::string, std::string>;

SecureBytes sb(std::string_view s) { return SecureBytes(as_bytes(s)); }

Plain plain(const std::map<std::string, SecureBytes>& m) {
  Plain out;
  for (const auto& [k, v] : m) out[k] = std::string(v.data(), v.data() + v.size());
  return out;
}

Change put(std::string key, std::string_view value) { return Change{std::move(key), sb(value)}; }
Change erase(std::string key) { return Change{std::move(key), std::nullopt}; }

using test::error_code_of;

template <typename F>
std::string integrity_message(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::integrity) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no integrity error";
  return {};
}

template <typename H>
class StoreContract : public ::testing::Test {
 protected:
  StoreContract() : master_(crypto::random_secret(32)) {}
  std::unique_ptr<Store> open() { return h_.open(master_); }
  Plain load(Store& s, const std::string& card) { return plain(s.open_card(card)->load()); }

  H h_;
  SecureBytes master_;
};

using Harnesses = ::testing::Types<MemoryHarness, SqliteHarness, PostgresHarness>;
TYPED_TEST_SUITE(StoreContract, Harnesses);

TYPED_TEST(StoreContract, RoundTrip) {
  auto store = this->open();
  EXPECT_TRUE(store->list_cards().empty());
  store->create_card("c1");
  EXPECT_TRUE(store->card_exists("c1"));
  EXPECT_FALSE(store->card_exists("c2"));
  EXPECT_EQ(store->list_cards(), std::vector<std::string>{"c1"});

  auto card = store->open_card("c1");
  EXPECT_TRUE(card->load().empty());
  card->commit({put("a", "one"), put("b", "two"), put("empty", "")});
  EXPECT_EQ(plain(card->load()), (Plain{{"a", "one"}, {"b", "two"}, {"empty", ""}}));
  card->commit({put("a", "uno"), erase("b"), erase("never-existed")});
  EXPECT_EQ(plain(card->load()), (Plain{{"a", "uno"}, {"empty", ""}}));
  EXPECT_EQ(this->load(*store, "c1"), (Plain{{"a", "uno"}, {"empty", ""}}));
  // An empty commit changes nothing.
  card->commit({});
  EXPECT_EQ(this->load(*store, "c1"), (Plain{{"a", "uno"}, {"empty", ""}}));
}

TYPED_TEST(StoreContract, LaterChangeOfTheSameKeyWins) {
  auto store = this->open();
  store->create_card("c1");
  auto card = store->open_card("c1");
  card->commit({put("a", "x"), put("a", "y")});
  EXPECT_EQ(plain(card->load()), (Plain{{"a", "y"}}));
  card->commit({put("a", "z"), erase("a")});
  EXPECT_TRUE(card->load().empty());
}

TYPED_TEST(StoreContract, CommitBeforeLoadAndBinaryValues) {
  auto store = this->open();
  store->create_card("c1");
  auto card = store->open_card("c1");
  SecureBytes binary{0x00, 0xFF, 0x00, 0x10};
  card->commit({Change{"bin", binary}});
  auto loaded = store->open_card("c1")->load();
  ASSERT_EQ(loaded.count("bin"), 1u);
  EXPECT_TRUE(loaded.at("bin") == binary);
}

TYPED_TEST(StoreContract, RefusesBadArguments) {
  auto store = this->open();
  store->create_card("c1");
  EXPECT_EQ(error_code_of([&] { store->create_card("c1"); }), Errc::state);
  EXPECT_EQ(error_code_of([&] { store->open_card("nope"); }), Errc::not_found);
  EXPECT_EQ(error_code_of([&] { store->delete_card("nope"); }), Errc::not_found);
  EXPECT_EQ(error_code_of([&] { store->create_card("a|b"); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { store->create_card(""); }), Errc::invalid_argument);
  auto card = store->open_card("c1");
  EXPECT_EQ(error_code_of([&] { card->commit({put("", "x")}); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { card->commit({put(kManifestKey, "x")}); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { this->h_.open(SecureBytes(31)); }), Errc::invalid_argument);
}

TYPED_TEST(StoreContract, DurableAcrossReopen) {
  {
    auto store = this->open();
    store->create_card("c1");
    store->create_card("c2");
    store->open_card("c1")->commit({put("a", "1"), put("b", "2")});
    store->open_card("c2")->commit({put("x", "9")});
    store->open_card("c1")->commit({erase("b"), put("c", "3")});
  }
  auto store = this->open();
  EXPECT_EQ(store->list_cards(), (std::vector<std::string>{"c1", "c2"}));
  EXPECT_EQ(this->load(*store, "c1"), (Plain{{"a", "1"}, {"c", "3"}}));
  EXPECT_EQ(this->load(*store, "c2"), (Plain{{"x", "9"}}));
}

TYPED_TEST(StoreContract, FailedCommitLeavesNothing) {
  auto store = this->open();
  store->create_card("c1");
  auto card = store->open_card("c1");
  card->commit({put("keep", "k"), put("gone", "g")});
  const Plain before{{"keep", "k"}, {"gone", "g"}};

  this->h_.faults->fail_commit_after = 0;
  EXPECT_EQ(error_code_of([&] { card->commit({put("keep", "K2"), erase("gone"), put("new1", "1"), put("new2", "2")}); }),
            Errc::io);
  EXPECT_EQ(this->h_.faults->injected.load(), 1);
  EXPECT_EQ(plain(card->load()), before);
  EXPECT_EQ(this->load(*store, "c1"), before);
  EXPECT_EQ(this->load(*this->open(), "c1"), before);

  // The CardStore stays usable and the same commit now lands whole.
  card->commit({put("keep", "K2"), erase("gone"), put("new1", "1"), put("new2", "2")});
  const Plain after{{"keep", "K2"}, {"new1", "1"}, {"new2", "2"}};
  EXPECT_EQ(plain(card->load()), after);
  EXPECT_EQ(this->load(*this->open(), "c1"), after);
}

TYPED_TEST(StoreContract, FaultHookCountsCommits) {
  auto store = this->open();
  store->create_card("c1");
  auto card = store->open_card("c1");
  this->h_.faults->fail_commit_after = 2;
  card->commit({put("k1", "1")});
  card->commit({put("k2", "2")});
  EXPECT_EQ(error_code_of([&] { card->commit({put("k3", "3")}); }), Errc::io);
  card->commit({put("k4", "4")});
  EXPECT_EQ(this->load(*store, "c1"), (Plain{{"k1", "1"}, {"k2", "2"}, {"k4", "4"}}));
  EXPECT_EQ(this->h_.faults->injected.load(), 1);
}

TYPED_TEST(StoreContract, FlippedByteIsDetected) {
  auto store = this->open();
  store->create_card("c1");
  store->open_card("c1")->commit({put("pin", "secret-value")});
  const SealedRecord good = this->h_.rows("c1").at("pin");
  // IV, ciphertext and tag bytes.
  for (std::size_t pos : {std::size_t{0}, std::size_t{12}, good.blob.size() / 2, good.blob.size() - 1}) {
    SealedRecord bad = good;
    bad.blob[pos] ^= 0x01;
    this->h_.put("c1", "pin", bad);
    std::string msg = integrity_message([&] { store->open_card("c1")->load(); });
    EXPECT_NE(msg.find("pin"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("secret-value"), std::string::npos) << msg;
  }
  this->h_.put("c1", "pin", good);
  EXPECT_EQ(this->load(*store, "c1"), (Plain{{"pin", "secret-value"}}));
}

TYPED_TEST(StoreContract, ChangedVersionColumnIsDetected) {
  auto store = this->open();
  store->create_card("c1");
  store->open_card("c1")->commit({put("a", "1")});
  store->open_card("c1")->commit({put("b", "2")});
  SealedRecord a = this->h_.rows("c1").at("a");
  a.version += 1;
  this->h_.put("c1", "a", a);
  integrity_message([&] { store->open_card("c1")->load(); });
}

TYPED_TEST(StoreContract, RecordCopiedToAnotherCardIsDetected) {
  auto store = this->open();
  store->create_card("c1");
  store->create_card("c2");
  store->open_card("c1")->commit({put("a", "from c1")});
  store->open_card("c2")->commit({put("a", "from c2")});  // same key, same version as in c1
  const SealedRecord own = this->h_.rows("c2").at("a");
  this->h_.put("c2", "a", this->h_.rows("c1").at("a"));
  integrity_message([&] { store->open_card("c2")->load(); });

  // Copied under a key the target card does not list.
  this->h_.put("c2", "a", own);
  this->h_.put("c2", "extra", this->h_.rows("c1").at("a"));
  std::string msg = integrity_message([&] { store->open_card("c2")->load(); });
  EXPECT_NE(msg.find("extra"), std::string::npos) << msg;
}

TYPED_TEST(StoreContract, RenamedRecordIsDetected) {
  auto store = this->open();
  store->create_card("c1");
  store->open_card("c1")->commit({put("a", "alpha"), put("b", "beta")});  // same version for both
  auto rows = this->h_.rows("c1");
  this->h_.put("c1", "b", rows.at("a"));
  std::string msg = integrity_message([&] { store->open_card("c1")->load(); });
  EXPECT_NE(msg.find("'b'"), std::string::npos) << msg;
}

TYPED_TEST(StoreContract, RecordRolledBackToOlderValidVersionIsDetected) {
  auto store = this->open();
  store->create_card("c1");
  auto card = store->open_card("c1");
  card->commit({put("counter", "3 tries left")});
  const SealedRecord old = this->h_.rows("c1").at("counter");
  card->commit({put("counter", "2 tries left")});
  this->h_.put("c1", "counter", old);
  std::string msg = integrity_message([&] { card->load(); });
  EXPECT_NE(msg.find("counter"), std::string::npos) << msg;
  integrity_message([&] { this->open()->open_card("c1")->load(); });
}

TYPED_TEST(StoreContract, RecordDeletedAndRecreatedCannotBeReplayed) {
  auto store = this->open();
  store->create_card("c1");
  auto card = store->open_card("c1");
  card->commit({put("a", "old")});
  const SealedRecord old = this->h_.rows("c1").at("a");
  card->commit({erase("a")});
  card->commit({put("a", "new")});
  this->h_.put("c1", "a", old);
  integrity_message([&] { card->load(); });
}

TYPED_TEST(StoreContract, ManifestRolledBackAloneIsDetected) {
  auto store = this->open();
  store->create_card("c1");
  auto card = store->open_card("c1");
  card->commit({put("a", "1")});
  const SealedRecord old_manifest = this->h_.rows("c1").at(kManifestKey);
  card->commit({put("b", "2")});
  this->h_.put("c1", kManifestKey, old_manifest);
  integrity_message([&] { this->open()->open_card("c1")->load(); });

  // And when the newer commit erased a record, the old manifest lists a missing record.
  auto store2 = this->open();
  store2->create_card("c2");
  auto card2 = store2->open_card("c2");
  card2->commit({put("a", "1")});
  const SealedRecord m2 = this->h_.rows("c2").at(kManifestKey);
  card2->commit({erase("a")});
  this->h_.put("c2", kManifestKey, m2);
  integrity_message([&] { this->open()->open_card("c2")->load(); });
}

TYPED_TEST(StoreContract, DeletedRecordOrManifestIsDetected) {
  auto store = this->open();
  store->create_card("c1");
  store->open_card("c1")->commit({put("a", "1"), put("b", "2")});
  this->h_.erase("c1", "a");
  std::string msg = integrity_message([&] { store->open_card("c1")->load(); });
  EXPECT_NE(msg.find("'a'"), std::string::npos) << msg;
  this->h_.erase("c1", kManifestKey);
  integrity_message([&] { store->open_card("c1"); });
}

TYPED_TEST(StoreContract, WholeCardRollbackIsDetectedOnlyWithinTheProcess) {
  auto store = this->open();
  store->create_card("c1");
  auto card = store->open_card("c1");
  card->commit({put("a", "1")});
  const auto snapshot = this->h_.rows("c1");
  card->commit({put("a", "2"), put("b", "x")});
  this->h_.erase("c1", "b");
  for (const auto& [k, r] : snapshot) this->h_.put("c1", k, r);
  // This Store saw commit 2, so the consistent older state is refused.
  integrity_message([&] { store->open_card("c1"); });
  integrity_message([&] { card->load(); });
  // The documented limit: a fresh process has no memory of commit 2 (no external monotonic
  // counter), so a consistent rollback of the whole card loads as the older state.
  EXPECT_EQ(this->load(*this->open(), "c1"), (Plain{{"a", "1"}}));
}

// The in-process rollback mark is kept per card: it is shared by every CardStore of the card,
// outlives them all, starts over when the card is deleted and created again, and one card's
// rollback never touches another card.
TYPED_TEST(StoreContract, RollbackMarkIsPerCardAndOutlivesItsCardStores) {
  auto store = this->open();
  store->create_card("c1");
  store->create_card("c2");
  auto early = store->open_card("c1");  // opened before the commits below, never used to commit
  {
    auto card = store->open_card("c1");
    card->commit({put("a", "1")});
  }
  const auto snapshot = this->h_.rows("c1");
  store->open_card("c1")->commit({put("a", "2")});
  store->open_card("c2")->commit({put("z", "9")});
  for (const auto& [k, r] : snapshot) this->h_.put("c1", k, r);
  // No CardStore that committed is open any more, yet the store remembers commit 2 of c1.
  integrity_message([&] { store->open_card("c1"); });
  integrity_message([&] { early->load(); });
  EXPECT_EQ(this->load(*store, "c2"), (Plain{{"z", "9"}}));
  // A card deleted and created again under the same id starts with commit 0.
  store->delete_card("c1");
  store->create_card("c1");
  EXPECT_TRUE(store->open_card("c1")->load().empty());
}

TYPED_TEST(StoreContract, WrongMasterKeyIsDetected) {
  {
    auto store = this->open();
    store->create_card("c1");
    store->open_card("c1")->commit({put("a", "1")});
  }
  auto other = this->h_.open(crypto::random_secret(32));
  EXPECT_TRUE(other->card_exists("c1"));
  integrity_message([&] { other->open_card("c1"); });
}

TYPED_TEST(StoreContract, StaleCardStoreCannotOverwriteNewerCommit) {
  auto store = this->open();
  store->create_card("c1");
  auto a = store->open_card("c1");
  auto b = store->open_card("c1");
  a->commit({put("x", "from a")});
  EXPECT_EQ(error_code_of([&] { b->commit({put("y", "from b")}); }), Errc::io);
  EXPECT_EQ(plain(b->load()), (Plain{{"x", "from a"}}));
  b->commit({put("y", "from b")});
  EXPECT_EQ(this->load(*store, "c1"), (Plain{{"x", "from a"}, {"y", "from b"}}));
}

TYPED_TEST(StoreContract, DeleteCardLeavesNoRows) {
  auto store = this->open();
  store->create_card("c1");
  store->create_card("c2");
  store->open_card("c1")->commit({put("a", "1"), put("b", "2")});
  store->open_card("c2")->commit({put("a", "other")});
  ASSERT_EQ(this->h_.count_card_rows("c1"), 4);  // a, b, manifest, wrapped key
  store->delete_card("c1");
  EXPECT_EQ(this->h_.count_card_rows("c1"), 0);
  EXPECT_FALSE(store->card_exists("c1"));
  EXPECT_EQ(error_code_of([&] { store->open_card("c1"); }), Errc::not_found);
  EXPECT_EQ(store->list_cards(), std::vector<std::string>{"c2"});
  EXPECT_EQ(this->load(*store, "c2"), (Plain{{"a", "other"}}));
  // The id can be reused: a new card with a new key and nothing in it.
  store->create_card("c1");
  EXPECT_TRUE(store->open_card("c1")->load().empty());
}

TYPED_TEST(StoreContract, ConcurrentCommitsOnSixteenCardsAllLand) {
  constexpr int kCards = 16;
  constexpr int kCommits = 40;
  auto store = this->open();
  for (int c = 0; c < kCards; ++c) store->create_card("card" + std::to_string(c));
  std::vector<std::thread> threads;
  for (int c = 0; c < kCards; ++c) {
    threads.emplace_back([&, c] {
      auto card = store->open_card("card" + std::to_string(c));
      for (int i = 0; i < kCommits; ++i)
        card->commit({put("k" + std::to_string(i), std::to_string(c * 1000 + i)), put("last", std::to_string(i))});
    });
  }
  for (auto& t : threads) t.join();
  auto reopened = this->open();
  for (int c = 0; c < kCards; ++c) {
    Plain want{{"last", std::to_string(kCommits - 1)}};
    for (int i = 0; i < kCommits; ++i) want["k" + std::to_string(i)] = std::to_string(c * 1000 + i);
    EXPECT_EQ(this->load(*reopened, "card" + std::to_string(c)), want) << "card" << c;
  }
}

TYPED_TEST(StoreContract, ConcurrentFailureAffectsOnlyItsOwnCommit) {
  constexpr int kCards = 16;
  constexpr int kCommits = 20;
  auto store = this->open();
  for (int c = 0; c < kCards; ++c) store->create_card("card" + std::to_string(c));
  this->h_.faults->fail_commit_after = 57;
  std::vector<std::vector<bool>> landed(kCards, std::vector<bool>(kCommits, false));
  std::vector<std::thread> threads;
  for (int c = 0; c < kCards; ++c) {
    threads.emplace_back([&, c] {
      auto card = store->open_card("card" + std::to_string(c));
      for (int i = 0; i < kCommits; ++i) {
        try {
          card->commit({put("k" + std::to_string(i), "v"), put("n", std::to_string(i))});
          landed[c][i] = true;
        } catch (const Error& e) {
          EXPECT_EQ(e.code(), Errc::io);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(this->h_.faults->injected.load(), 1);
  int failures = 0;
  auto reopened = this->open();
  for (int c = 0; c < kCards; ++c) {
    Plain want;
    for (int i = 0; i < kCommits; ++i) {
      if (landed[c][i]) {
        want["k" + std::to_string(i)] = "v";
        want["n"] = std::to_string(i);
      } else {
        ++failures;
      }
    }
    EXPECT_EQ(this->load(*reopened, "card" + std::to_string(c)), want) << "card" << c;
  }
  EXPECT_EQ(failures, 1);
}

}  // namespace
}  // namespace sesame::store::testing
