// RACS answers only what is durable: a request's APDU commits are submitted without holding the
// session's thread, when_durable() reports when the response may go out, and a failed commit
// replaces the response with -806 and leaves the card at its durable state.
#include <gtest/gtest.h>

#include "../common/gated_backend.h"
#include "applets/builtin.h"
#include "card/card_service.h"
#include "server/demo_cards.h"
#include "server/racs/racs_session.h"
#include "store/sealed_store.h"

namespace sesame::server::racs {
namespace {

struct DurableFixture {
  std::shared_ptr<test::GatedBackend> backend = std::make_shared<test::GatedBackend>();
  std::unique_ptr<store::Store> store = store::open_sealed_store(backend, SecureBytes(ByteView(Bytes(32, 0x42))));
  card::AppletRegistry reg = applets::builtin_registry();
  card::CardService cards{*store, reg};
  AccessPolicy policy;
  CardLocks locks;
  MemoryAudit audit;
  PolicySource policy_source = PolicySource::borrowing(policy);
  SessionEnv env{cards, policy_source, locks, audit, RacsLimits{}};

  DurableFixture() {
    create_demo_cards(cards);  // "demo" with sesame.demo at F0534553414D4501; counter: 80 10 / 80 11
    policy.allow_all_seids("admin");
    while (backend->held()) backend->finish_one(true);
  }
};

struct Durable {
  int calls = 0;
  bool ok = false;
};

// The request: select the demo applet, increment its counter twice (APPEND), read it.
const std::string kRequest =
    "BEGIN c\nAPDU demo 00A4040008F0534553414D450100\nAPDU demo 8010000004 APPEND\n"
    "APDU demo 8010000004 APPEND\nAPDU demo 8011000004 APPEND\nEND\n";

TEST(RacsDurable, TheResponseWaitsForTheCommitsAndSeesTheirState) {
  DurableFixture f;
  RacsSession s(f.env, 1, "admin", "test");
  const RacsSession::Output out = s.feed(kRequest);
  // Computed at once, the second increment and the read seeing the first (the image runs ahead)...
  EXPECT_EQ(out.text,
            "BEGIN c\r\n+006 002 000000019000\r\n+006 003 000000029000\r\n+006 004 000000029000\r\nEND\r\n");
  // ...but not to be sent before both commits are durable.
  Durable d;
  s.when_durable([&](bool ok) {
    ++d.calls;
    d.ok = ok;
  });
  EXPECT_EQ(f.backend->held(), 2u);
  EXPECT_EQ(d.calls, 0);
  f.backend->finish_one(true);
  EXPECT_EQ(d.calls, 0);
  f.backend->finish_one(true);
  EXPECT_EQ(d.calls, 1);
  EXPECT_TRUE(d.ok);
}

TEST(RacsDurable, AFailedCommitAnswers806AndTheCardKeepsItsDurableState) {
  DurableFixture f;
  RacsSession s(f.env, 1, "admin", "test");
  s.feed(kRequest);
  Durable d;
  s.when_durable([&](bool ok) {
    ++d.calls;
    d.ok = ok;
  });
  f.backend->finish_one(false);  // the first increment's commit fails
  f.backend->finish_one(true);   // the second, chained on it, fails its compare-and-swap
  ASSERT_EQ(d.calls, 1);
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(s.durability_failure_response(),
            "BEGIN c\r\n-806 002 APDU execution error, the card's changes could not be saved\r\nEND\r\n");
  // The card reloaded its durable state: the counter was never incremented.
  const auto again = s.feed("BEGIN\nAPDU demo 00A4040008F0534553414D450100\nAPDU demo 8011000004\nEND\n");
  EXPECT_EQ(again.text, "BEGIN\r\n+006 002 000000009000\r\nEND\r\n");
}

// A read-only request makes no commit: when_durable runs at once, on the caller's thread.
TEST(RacsDurable, ARequestWithoutWritesIsDurableAtOnce) {
  DurableFixture f;
  RacsSession s(f.env, 1, "admin", "test");
  s.feed("BEGIN\nAPDU demo 00A4040008F0534553414D450100\nAPDU demo 8011000004\nEND\n");
  Durable d;
  s.when_durable([&](bool ok) {
    ++d.calls;
    d.ok = ok;
  });
  EXPECT_EQ(d.calls, 1);
  EXPECT_TRUE(d.ok);
}

}  // namespace
}  // namespace sesame::server::racs
