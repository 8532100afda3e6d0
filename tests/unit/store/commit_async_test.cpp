// CardStore::commit_async (store.h) against every backend: completion only once durable, one
// card's commits applied in order even when the next is made before the previous finished, and a
// failed commit failing the ones chained on it until the card is loaded again, with nothing of them
// applied.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <type_traits>

#include "store_harness.h"
#include "util/error.h"

namespace sesame::store::testing {
namespace {

using Plain = std::map<std::string, std::string>;

Plain plain(const std::map<std::string, SecureBytes>& m) {
  Plain out;
  for (const auto& [k, v] : m) out[k] = std::string(v.data(), v.data() + v.size());
  return out;
}

Change put(std::string key, std::string_view value) { return Change{std::move(key), SecureBytes(as_bytes(value))}; }

// Collects the outcomes of several commit_async calls.
struct Outcomes {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<Errc>> results;  // in completion order; nullopt = success
  std::size_t expected = 0;
  int thrown = 0;  // failures thrown at submission

  CardStore::CommitDone done() {
    ++expected;
    return [this](std::exception_ptr e) {
      std::optional<Errc> r;
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const Error& err) {
          r = err.code();
        } catch (...) {
          r = Errc::internal;
        }
      }
      std::lock_guard lock(mu);
      results.push_back(r);
      cv.notify_all();
    };
  }
  // commit_async, counting a failure thrown at submission (a store that commits synchronously
  // throws, and drops `done` uncalled) as that commit's outcome.
  void submit(CardStore& card, const std::vector<Change>& changes) {
    auto d = done();
    try {
      card.commit_async(changes, d);
    } catch (const Error& e) {
      std::lock_guard lock(mu);
      results.push_back(e.code());
      ++thrown;
    }
  }
  std::vector<std::optional<Errc>> wait() {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return results.size() == expected; }));
    return results;
  }
};

template <typename H>
class CommitAsync : public ::testing::Test {
 protected:
  CommitAsync() : master_(SecureBytes(ByteView(Bytes(32, 0x42)))) {}
  std::unique_ptr<Store> open() { return h_.open(SecureBytes(master_.view())); }
  H h_;
  SecureBytes master_;
};

using Harnesses = ::testing::Types<MemoryHarness, SqliteHarness, PostgresHarness>;
TYPED_TEST_SUITE(CommitAsync, Harnesses);

TYPED_TEST(CommitAsync, ChainedCommitsLandInOrder) {
  auto store = this->open();
  store->create_card("c1");
  auto card = store->open_card("c1");
  Outcomes o;
  // Three commits made back to back, none waiting for the previous: each chains on the one before.
  card->commit_async({put("n", "1"), put("a", "x")}, o.done());
  card->commit_async({put("n", "2")}, o.done());
  card->commit_async({put("n", "3"), put("b", "y")}, o.done());
  const auto r = o.wait();
  ASSERT_EQ(r.size(), 3u);
  for (const auto& x : r) EXPECT_FALSE(x.has_value());
  // A synchronous commit after them chains too.
  card->commit({put("n", "4")});
  const Plain want{{"a", "x"}, {"b", "y"}, {"n", "4"}};
  EXPECT_EQ(plain(card->load()), want);
  EXPECT_EQ(plain(this->open()->open_card("c1")->load()), want);
}

TYPED_TEST(CommitAsync, AFailedCommitFailsTheChainUntilReloaded) {
  auto store = this->open();
  store->create_card("c1");
  auto card = store->open_card("c1");
  card->commit({put("n", "1")});
  this->h_.faults->fail_commit_after = 0;  // the next backend commit fails part-way
  Outcomes o;
  o.submit(*card, {put("n", "2"), put("x", "lost")});
  o.submit(*card, {put("n", "3")});  // chained on the failed one
  const auto r = o.wait();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], Errc::io);
  EXPECT_EQ(this->h_.faults->injected.load(), 1);
  // SQLite queues commits on its writer thread; memory and PostgreSQL commit synchronously.
  EXPECT_EQ(o.thrown > 0, !(std::is_same_v<TypeParam, SqliteHarness>));
  if (o.thrown) {
    // A store that commits synchronously (memory, PostgreSQL) throws at submission: nothing was
    // queued, so the next commit chains on the durable state and lands.
    EXPECT_FALSE(r[1].has_value());
    EXPECT_EQ(plain(card->load()), (Plain{{"n", "3"}}));
  } else {
    // Queued behind it (SQLite's writer), the next one fails its compare-and-swap too, and nothing
    // of either landed.
    EXPECT_EQ(r[1], Errc::io);
    EXPECT_EQ(plain(card->load()), (Plain{{"n", "1"}}));
  }
  // After load() the card commits again from its durable state.
  Outcomes again;
  card->commit_async({put("n", "5")}, again.done());
  EXPECT_FALSE(again.wait().at(0).has_value());
  EXPECT_EQ(plain(this->open()->open_card("c1")->load()), (Plain{{"n", "5"}}));
}

TYPED_TEST(CommitAsync, AnInvalidKeyIsRefusedBeforeAnythingIsQueued) {
  auto store = this->open();
  store->create_card("c1");
  auto card = store->open_card("c1");
  bool called = false;
  EXPECT_THROW(card->commit_async({put("", "v")}, [&](std::exception_ptr) { called = true; }), Error);
  EXPECT_FALSE(called);
  card->commit({put("k", "v")});
  EXPECT_EQ(plain(card->load()), (Plain{{"k", "v"}}));
}

// The SQLite store groups the commits that queue up while an fsync runs: many cards committing
// without waiting share transactions, and every one of them is durable when its callback runs.
TEST(CommitAsyncSqlite, SubmittedCommitsAreGroupedAndDurableWhenReported) {
  SqliteHarness h;
  SecureBytes master(ByteView(Bytes(32, 0x42)));
  auto store = h.open(SecureBytes(master.view()));
  constexpr int kCards = 16;
  std::vector<std::unique_ptr<CardStore>> cards;
  for (int i = 0; i < kCards; ++i) {
    store->create_card("c" + std::to_string(i));
    cards.push_back(store->open_card("c" + std::to_string(i)));
  }
  Outcomes o;
  for (int round = 0; round < 4; ++round)
    for (int i = 0; i < kCards; ++i) cards[i]->commit_async({put("n", std::to_string(round))}, o.done());
  for (const auto& r : o.wait()) EXPECT_FALSE(r.has_value());
  auto reopened = h.open(SecureBytes(master.view()));
  for (int i = 0; i < kCards; ++i)
    EXPECT_EQ(plain(reopened->open_card("c" + std::to_string(i))->load()), (Plain{{"n", "3"}}));
}

}  // namespace
}  // namespace sesame::store::testing
