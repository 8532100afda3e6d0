// CardService::release on the PostgreSQL store (two nodes on one real database, pg_server.h): a
// released card's lease is free for another node at once, a powered card keeps it, and atr()
// answers without taking it (docs/STORE.md, "Leases: one node per card").
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>

#include "../common/expect_errc.h"
#include "card/card_state.h"
#include "pg_server.h"
#include "store/postgres_store.h"
#include "store/store.h"
#include "test_harness.h"

namespace sesame::card {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::error_code_of;

// Long enough that a card another node gets within a few seconds was released, not lapsed.
constexpr auto kTtl = 30s;

struct Node {
  Node(const std::string& conninfo, const SecureBytes& key, const std::string& id, const AppletRegistry& registry) {
    store::PostgresOptions o;
    o.node_id = id;
    o.lease_ttl = kTtl;
    store = store::open_postgres_store(conninfo, key, o);
    cards = std::make_unique<CardService>(*store, registry);
  }
  Bytes tx(const std::string& seid, const std::string& hex) { return cards->transmit(seid, from_hex(hex)); }
  std::uint16_t sw(const std::string& seid, const std::string& hex) {
    return iso7816::ResponseApdu::parse(tx(seid, hex)).sw;
  }
  std::unique_ptr<store::Store> store;
  std::unique_ptr<CardService> cards;
};

bool leased_elsewhere(const std::function<void()>& f) {
  try {
    f();
  } catch (const store::CardLeased&) {
    return true;
  }
  return false;
}

const std::string kSelectTx1 = "00A4040007A0000009990101";

TEST(CardReleaseLeaseTest, ReleaseHandsTheLeaseToAnotherNodeAtOnce) {
  sesame::testing::PgSchema schema;
  const SecureBytes key = crypto::random_secret(32);
  const AppletRegistry registry = testing::test_registry();
  Node a(schema.conninfo(), key, "node-a", registry);
  Node b(schema.conninfo(), key, "node-b", registry);

  a.cards->create_card({"c1", ""});
  a.cards->install_applet("c1", "test.tx", testing::kTxAid1, {});  // loads the card on A: A's lease
  EXPECT_TRUE(leased_elsewhere([&] { b.tx("c1", kSelectTx1); })) << "A holds the lease";
  EXPECT_EQ(b.cards->atr("c1"), sesame_atr()) << "the ATR needs no lease";

  EXPECT_TRUE(a.cards->release("c1"));
  auto t0 = Clock::now();
  EXPECT_EQ(b.sw("c1", kSelectTx1), 0x9000);
  EXPECT_LT(Clock::now() - t0, 5s);
  EXPECT_EQ(b.tx("c1", "8003000001AA"), from_hex("9000"));  // ctr = 1, committed by B

  // B has the card powered: release leaves it, A stays refused (and atr() on A takes nothing).
  EXPECT_FALSE(b.cards->release("c1"));
  EXPECT_EQ(a.cards->atr("c1"), sesame_atr());
  EXPECT_TRUE(leased_elsewhere([&] { a.tx("c1", kSelectTx1); }));
  EXPECT_TRUE(leased_elsewhere([&] { a.cards->power_on("c1"); }));

  b.cards->power_off("c1");
  EXPECT_TRUE(b.cards->release("c1"));
  t0 = Clock::now();
  EXPECT_EQ(a.sw("c1", kSelectTx1), 0x9000);
  EXPECT_LT(Clock::now() - t0, 5s);
  EXPECT_EQ(a.tx("c1", "800A000000"), from_hex("019000")) << "A reads what B committed";
  EXPECT_TRUE(leased_elsewhere([&] { b.tx("c1", kSelectTx1); })) << "and now holds the lease itself";
}

}  // namespace
}  // namespace sesame::card
