// One card lock for every transport: a vpcd slot and RACS sessions never drive the same card at
// once, in either direction. Real CardService on the memory store; no sockets (VpcdSession and
// RacsSession are what the bridge and the listener drive).
#include "server/card_locks.h"

#include <gtest/gtest.h>

#include "applets/builtin.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "server/demo_cards.h"
#include "server/racs/racs_session.h"
#include "server/vpcd_session.h"
#include "store/memory_store.h"
#include "util/hex.h"

namespace sesame::server {
namespace {

const char* const select_demo = "00A4040008F0534553414D4501";

TEST(CardLocks, HoldersAreDistinctAndOnlyTheHolderReleases) {
  CardLocks locks;
  const HolderId a = locks.new_holder(), b = locks.new_holder();
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(locks.acquire("c", a), CardLocks::Result::acquired);
  EXPECT_EQ(locks.acquire("c", a), CardLocks::Result::already_held);
  EXPECT_EQ(locks.acquire("c", b), CardLocks::Result::in_use);
  EXPECT_FALSE(locks.release("c", b));
  EXPECT_EQ(locks.holder("c"), a);
  EXPECT_TRUE(locks.release("c", a));
  EXPECT_FALSE(locks.holder("c"));
  EXPECT_EQ(locks.held(), 0u);
}

struct Transports {
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::AppletRegistry registry = applets::builtin_registry();
  card::CardService cards{*store, registry};
  CardLocks locks;
  racs::AccessPolicy policy;
  racs::MemoryAudit audit;
  racs::PolicySource policy_source = racs::PolicySource::borrowing(policy);
  racs::SessionEnv env{cards, policy_source, locks, audit, racs::RacsLimits{}};
  Transports() {
    create_demo_cards(cards);
    policy.allow_all_seids("admin");
  }
  std::string racs(racs::RacsSession& s, const std::string& command) {
    return s.feed("BEGIN\n" + command + "\nEND\n").text;
  }
};

TEST(CardLocks, WhileVpcdHasTheCardPoweredRacsGetsInUse) {
  Transports t;
  VpcdSession vpcd(t.cards, t.locks, "demo", "vpcd slot 0");
  racs::RacsSession racs(t.env, t.locks.new_holder(), "admin", "test");

  // A presence poll alone does not take the card.
  auto atr = vpcd.handle(from_hex("04"));
  ASSERT_TRUE(atr);
  EXPECT_FALSE(atr->empty());
  EXPECT_FALSE(t.locks.holder("demo"));

  EXPECT_FALSE(vpcd.handle(from_hex("01")));  // power on: vpcd holds the card
  EXPECT_TRUE(vpcd.holds_card());
  EXPECT_EQ(t.racs(racs, "POWERON demo"), "BEGIN\r\n-708 001 POWERON error, SEID demo In Use, SHUTDOWN is required\r\nEND\r\n");
  EXPECT_EQ(t.racs(racs, "APDU demo " + std::string(select_demo)),
            "BEGIN\r\n-706 001 APDU error, SEID demo already In Use, SHUTDOWN required\r\nEND\r\n");
  EXPECT_EQ(t.racs(racs, "SHUTDOWN demo"), "BEGIN\r\n-707 001 SHUTDOWN error, SEID demo In Use\r\nEND\r\n");
  EXPECT_TRUE(t.cards.info("demo").powered);  // RACS could not power it off under vpcd either
  auto r = vpcd.handle(from_hex(select_demo));
  ASSERT_TRUE(r);
  EXPECT_EQ(to_hex(*r).substr(to_hex(*r).size() - 4), "9000");

  EXPECT_FALSE(vpcd.handle(from_hex("00")));  // power off gives the card back
  EXPECT_FALSE(t.locks.holder("demo"));
  EXPECT_EQ(t.racs(racs, "POWERON demo").substr(0, 20), "BEGIN\r\n+008 001 SEID");

  // vpcd powers it again after RACS let go; a disconnect gives it back too.
  EXPECT_EQ(t.racs(racs, "SHUTDOWN demo").substr(0, 12), "BEGIN\r\n+007 ");
  EXPECT_FALSE(vpcd.handle(from_hex("01")));
  EXPECT_TRUE(vpcd.holds_card());
  vpcd.disconnected();
  EXPECT_FALSE(vpcd.holds_card());
  EXPECT_FALSE(t.locks.holder("demo"));
  EXPECT_FALSE(t.cards.info("demo").powered);
}

TEST(CardLocks, WhileRacsHoldsTheCardVpcdSeesNoCard) {
  Transports t;
  VpcdSession vpcd(t.cards, t.locks, "demo", "vpcd slot 0");
  racs::RacsSession racs(t.env, t.locks.new_holder(), "admin", "test");
  EXPECT_EQ(t.racs(racs, "APDU demo " + std::string(select_demo)),
            "BEGIN\r\n+006 001 6F0A8408F0534553414D45019000\r\nEND\r\n");
  ASSERT_EQ(t.locks.holder("demo"), racs.id());

  // vpcd: power on does nothing, get-ATR answers no ATR ("no card"), an APDU gets no answer.
  EXPECT_FALSE(vpcd.handle(from_hex("01")));
  EXPECT_FALSE(vpcd.holds_card());
  auto atr = vpcd.handle(from_hex("04"));
  ASSERT_TRUE(atr);
  EXPECT_TRUE(atr->empty());
  EXPECT_TRUE(vpcd.refused());
  auto r = vpcd.handle(from_hex("0084000008"));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_FALSE(vpcd.handle(from_hex("02")));  // reset: refused too
  // vpcd's power off and disconnect leave RACS's card alone: still powered, selection intact.
  EXPECT_FALSE(vpcd.handle(from_hex("00")));
  vpcd.disconnected();
  EXPECT_TRUE(t.cards.info("demo").powered);
  EXPECT_EQ(t.racs(racs, "APDU demo 0084000008").substr(0, 15), "BEGIN\r\n+006 001");

  // RACS gives it back: vpcd sees the card again and takes it at power on.
  racs.end("done");
  atr = vpcd.handle(from_hex("04"));
  ASSERT_TRUE(atr);
  EXPECT_FALSE(atr->empty());
  EXPECT_FALSE(vpcd.refused());
  EXPECT_FALSE(vpcd.handle(from_hex("01")));
  EXPECT_TRUE(vpcd.holds_card());
  ASSERT_TRUE(t.locks.holder("demo"));
  EXPECT_NE(*t.locks.holder("demo"), racs.id());
}

}  // namespace
}  // namespace sesame::server
