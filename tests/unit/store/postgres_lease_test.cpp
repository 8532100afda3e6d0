// Card leases on the PostgreSQL store (several nodes on one database, docs/STORE.md): a card is
// open on one node at a time, the heartbeat keeps a live node's lease, a crashed node's lease is
// taken over after the ttl with a higher epoch, and the old node's commits are then refused with
// nothing applied (fencing). Every test runs against a real PostgreSQL server (pg_server.h).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "crypto/random.h"
#include "store/postgres_backend.h"
#include "store_harness.h"
#include "util/error.h"

namespace sesame::store::testing {
namespace {

using namespace std::chrono_literals;
using Plain = std::map<std::string, std::string>;
using Clock = std::chrono::steady_clock;

Change put(std::string key, std::string_view value) {
  return Change{std::move(key), SecureBytes(as_bytes(value))};
}

Plain plain(const std::map<std::string, SecureBytes>& m) {
  Plain out;
  for (const auto& [k, v] : m) out[k] = std::string(v.data(), v.data() + v.size());
  return out;
}

// The error a call throws (Errc::internal and a test failure when it does not throw).
template <typename F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no sesame::Error thrown";
  return Error(Errc::internal, "");
}

// One sesamed node's store: its own backend (pool, heartbeat) with its own node id.
struct Node {
  Node(const std::string& conninfo, const SecureBytes& key, std::string id,
       std::chrono::milliseconds ttl = 10s) {
    PostgresOptions o;
    o.node_id = std::move(id);
    o.lease_ttl = ttl;
    backend = std::make_shared<PostgresBackend>(conninfo, o);
    store = open_sealed_store(backend, key);
  }
  std::shared_ptr<PostgresBackend> backend;
  std::unique_ptr<Store> store;
};

class PostgresLease : public ::testing::Test {
 protected:
  PostgresLease() : key_(crypto::random_secret(32)) {}

  Node node(const std::string& id, std::chrono::milliseconds ttl = 10s) {
    return Node(h_.conninfo(), key_, id, ttl);
  }

  struct LeaseRow {
    std::string node_id;
    std::int64_t epoch;
  };
  LeaseRow lease(const std::string& card) {
    std::lock_guard lock(raw_mu_);  // one raw connection, used by several test threads
    auto r = h_.raw().query("SELECT node_id, epoch FROM card_leases WHERE card_id = $1", {card});
    if (r.rows() != 1) throw std::runtime_error("no lease row for " + card);
    return {r.str(0, 0), r.i64(0, 1)};
  }

  // Polls until `store` can open the card (the previous holder's lease lapsed), or gives up.
  std::unique_ptr<CardStore> open_when_free(Store& store, const std::string& card,
                                            std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      try {
        return store.open_card(card);
      } catch (const Error& e) {
        if (e.code() != Errc::state || Clock::now() > deadline) throw;
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  PostgresHarness h_;
  SecureBytes key_;
  std::mutex raw_mu_;
};

TEST_F(PostgresLease, SecondNodeCannotOpenACardTheFirstHolds) {
  Node a = node("node-a");
  Node b = node("node-b");
  a.store->create_card("c1");
  auto ca = a.store->open_card("c1");
  ca->commit({put("x", "1")});
  const auto first = lease("c1");
  EXPECT_EQ(first.node_id, "node-a");

  Error e = error_of([&] { b.store->open_card("c1"); });
  EXPECT_EQ(e.code(), Errc::state);
  EXPECT_STREQ(e.what(), "card c1 is leased by node node-a");
  try {
    b.store->open_card("c1");
    ADD_FAILURE() << "opened a card leased elsewhere";
  } catch (const CardLeased& leased) {
    EXPECT_EQ(leased.node_id(), "node-a");
  }
  // Listing and existence do not need the lease; deleting does.
  EXPECT_TRUE(b.store->card_exists("c1"));
  EXPECT_EQ(b.store->list_cards(), std::vector<std::string>{"c1"});
  EXPECT_EQ(error_of([&] { b.store->delete_card("c1"); }).code(), Errc::state);

  // A second CardStore on the same node shares the lease; closing it does not release it.
  a.store->open_card("c1").reset();
  EXPECT_EQ(error_of([&] { b.store->open_card("c1"); }).code(), Errc::state);

  // Closing the last one releases at once: node b does not wait for the ttl.
  ca.reset();
  const auto t0 = Clock::now();
  auto cb = b.store->open_card("c1");
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_EQ(plain(cb->load()), (Plain{{"x", "1"}}));
  cb->commit({put("x", "2")});
  const auto second = lease("c1");
  EXPECT_EQ(second.node_id, "node-b");
  EXPECT_GT(second.epoch, first.epoch);
  EXPECT_EQ(error_of([&] { a.store->open_card("c1"); }).code(), Errc::state);
}

TEST_F(PostgresLease, HeartbeatKeepsALiveNodesLease) {
  Node a = node("node-a", 1s);
  Node b = node("node-b", 1s);
  a.store->create_card("c1");
  auto ca = a.store->open_card("c1");
  std::this_thread::sleep_for(2500ms);  // two and a half ttls without a commit
  EXPECT_EQ(error_of([&] { b.store->open_card("c1"); }).code(), Errc::state);
  ca->commit({put("x", "still mine")});
  EXPECT_EQ(lease("c1").node_id, "node-a");
}

TEST_F(PostgresLease, CrashedNodeIsTakenOverAndItsCommitsAreFenced) {
  constexpr auto kTtl = 1000ms;
  Node a = node("node-a", kTtl);
  Node b = node("node-b", kTtl);
  a.store->create_card("c1");
  auto ca = a.store->open_card("c1");
  const auto before_last_renewal = Clock::now();
  ca->commit({put("x", "a1")});
  const auto epoch_a = lease("c1").epoch;

  // Node a "dies": its heartbeat stops and nothing is released.
  a.backend->abandon_leases();
  EXPECT_EQ(error_of([&] { b.store->open_card("c1"); }).code(), Errc::state);
  auto cb = open_when_free(*b.store, "c1", 5s);
  EXPECT_GE(Clock::now() - before_last_renewal, kTtl - 50ms) << "taken over before the lease expired";
  const auto taken = lease("c1");
  EXPECT_EQ(taken.node_id, "node-b");
  EXPECT_GT(taken.epoch, epoch_a);
  EXPECT_EQ(plain(cb->load()), (Plain{{"x", "a1"}}));

  // Node a still thinks it holds the card: its commit is refused and leaves nothing behind.
  const auto rows_before = h_.rows("c1");
  EXPECT_EQ(error_of([&] { ca->commit({put("x", "a2"), put("late", "from a")}); }).code(), Errc::io);
  const auto rows_after = h_.rows("c1");
  ASSERT_EQ(rows_after.size(), rows_before.size());
  for (const auto& [k, r] : rows_before) {
    ASSERT_EQ(rows_after.count(k), 1u) << k;
    EXPECT_EQ(rows_after.at(k).version, r.version) << k;
    EXPECT_EQ(rows_after.at(k).blob, r.blob) << k;
  }
  EXPECT_EQ(lease("c1").node_id, "node-b");

  // Node b goes on; node a cannot even reload while b holds the lease.
  cb->commit({put("x", "b1")});
  EXPECT_EQ(plain(cb->load()), (Plain{{"x", "b1"}}));
  Error e = error_of([&] { ca->load(); });
  EXPECT_EQ(e.code(), Errc::state);
  EXPECT_STREQ(e.what(), "card c1 is leased by node node-b");
}

TEST_F(PostgresLease, LostLeaseIsRetakenByReloadNotByAStaleCommit) {
  Node a = node("node-a", 1s);
  Node b = node("node-b", 1s);
  a.store->create_card("c1");
  auto ca = a.store->open_card("c1");
  ca->commit({put("x", "a1")});
  a.backend->abandon_leases();
  {
    auto cb = open_when_free(*b.store, "c1", 5s);
    cb->commit({put("x", "b1")});
  }  // b releases
  const auto epoch_b = lease("c1").epoch;
  // The lease is free now, but a's CardStore still carries its old epoch: refused.
  EXPECT_EQ(error_of([&] { ca->commit({put("x", "a2")}); }).code(), Errc::io);
  // Reloading retakes the lease with a fresh epoch and reads what b wrote; then a may commit.
  EXPECT_EQ(plain(ca->load()), (Plain{{"x", "b1"}}));
  const auto retaken = lease("c1");
  EXPECT_EQ(retaken.node_id, "node-a");
  EXPECT_GT(retaken.epoch, epoch_b);
  ca->commit({put("x", "a2")});
  EXPECT_EQ(plain(ca->load()), (Plain{{"x", "a2"}}));
}

TEST_F(PostgresLease, TakeoverRaceHasExactlyOneWinner) {
  constexpr int kNodes = 6;
  Node a = node("node-a", 1s);
  a.store->create_card("c1");
  auto ca = a.store->open_card("c1");
  a.backend->abandon_leases();
  std::vector<Node> others;
  for (int i = 0; i < kNodes; ++i) others.push_back(node("node-" + std::to_string(i), 10s));
  std::this_thread::sleep_for(1200ms);  // a's lease has lapsed

  std::atomic<int> winners{0}, refused{0};
  std::vector<std::unique_ptr<CardStore>> opened(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] {
      try {
        opened[i] = others[i].store->open_card("c1");
        ++winners;
      } catch (const Error& e) {
        if (e.code() == Errc::state) ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(refused.load(), kNodes - 1);
  const auto row = lease("c1");
  for (int i = 0; i < kNodes; ++i)
    if (opened[i]) {
      EXPECT_EQ(row.node_id, "node-" + std::to_string(i));
    }
}

TEST_F(PostgresLease, ConcurrentCommitsOnSixteenCardsFromTwoNodes) {
  constexpr int kCards = 16;
  constexpr int kCommits = 30;
  Node nodes[] = {node("node-a"), node("node-b")};
  for (int c = 0; c < kCards; ++c) nodes[0].store->create_card("card" + std::to_string(c));
  std::vector<std::thread> threads;
  for (int c = 0; c < kCards; ++c) {
    threads.emplace_back([&, c] {
      auto card = nodes[c % 2].store->open_card("card" + std::to_string(c));
      for (int i = 0; i < kCommits; ++i)
        card->commit(
            {put("k" + std::to_string(i), std::to_string(c * 1000 + i)), put("last", std::to_string(i))});
      EXPECT_EQ(lease("card" + std::to_string(c)).node_id, c % 2 ? "node-b" : "node-a");
    });
  }
  for (auto& t : threads) t.join();
  // Every lease was released: the other node opens each card at once and finds every commit.
  for (int c = 0; c < kCards; ++c) {
    Plain want{{"last", std::to_string(kCommits - 1)}};
    for (int i = 0; i < kCommits; ++i) want["k" + std::to_string(i)] = std::to_string(c * 1000 + i);
    EXPECT_EQ(plain(nodes[(c + 1) % 2].store->open_card("card" + std::to_string(c))->load()), want)
        << "card" << c;
  }
}

TEST_F(PostgresLease, DeletingACardEndsItsLease) {
  Node a = node("node-a");
  Node b = node("node-b");
  a.store->create_card("c1");
  {
    auto ca = a.store->open_card("c1");
    ca->commit({put("x", "1")});
  }
  ASSERT_EQ(h_.lease_rows("c1"), 1);
  b.store->delete_card("c1");  // a's lease was released
  EXPECT_EQ(h_.lease_rows("c1"), 0);
  EXPECT_EQ(error_of([&] { a.store->open_card("c1"); }).code(), Errc::not_found);
  EXPECT_EQ(h_.lease_rows("c1"), 0);
}

TEST_F(PostgresLease, RefusesBadOptionsAndNewerSchemas) {
  EXPECT_EQ(error_of([&] { node(""); }).code(), Errc::invalid_argument);
  EXPECT_EQ(error_of([&] { node("bad\nid"); }).code(), Errc::invalid_argument);
  EXPECT_EQ(error_of([&] { node("node-a", 10ms); }).code(), Errc::invalid_argument);
  PostgresOptions o;
  o.node_id = "node-a";
  EXPECT_EQ(error_of([&] { open_postgres_store(h_.conninfo(), SecureBytes(31), o); }).code(),
            Errc::invalid_argument);
  // Nothing listens on this socket directory.
  EXPECT_EQ(error_of([&] {
              open_postgres_store("host=/nonexistent-sesame port=1 connect_timeout=2",
                                  crypto::random_secret(32), o);
            }).code(),
            Errc::io);
  node("node-a");  // creates the schema
  h_.raw().query("UPDATE schema_version SET version = 99");
  Error e = error_of([&] { node("node-a"); });
  EXPECT_EQ(e.code(), Errc::state);
  EXPECT_NE(std::string(e.what()).find("99"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace sesame::store::testing
