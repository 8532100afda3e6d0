// CardService::transmit_deferred: a command's commit is submitted without waiting, the transport
// learns through a CommitWaiter when it is durable, a failed commit makes the card reload to its
// durable state, and nothing is reported durable before the store says so.
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <future>

#include <unistd.h>

#include "card/card_service.h"
#include "card/commit_waiter.h"
#include "../common/gated_backend.h"
#include "store/sealed_store.h"
#include "store/sqlite_store.h"
#include "test_harness.h"

namespace sesame::card {
namespace {

using testing::kTxAid1;
using testing::test_registry;
using test::GatedBackend;

// SELECT of the test applet by AID, and its FCI (the default select response) with 9000.
const std::string kSelect = "00A4040007" + to_hex(kTxAid1);
const std::string kSelected = "6F0984" "07" + to_hex(kTxAid1) + "9000";

struct GatedCard {
  std::shared_ptr<GatedBackend> backend = std::make_shared<GatedBackend>();
  std::unique_ptr<store::Store> store = store::open_sealed_store(backend, SecureBytes(ByteView(Bytes(32, 0x11))));
  AppletRegistry registry = test_registry();
  CardService service{*store, registry};
  CardService::Handle card;

  GatedCard() {
    service.create_card({"card-1", ""});
    service.install_applet("card-1", "test.tx", kTxAid1, {});
    card = service.handle("card-1");
    EXPECT_EQ(tx(kSelect), kSelected);
    while (backend->held()) backend->finish_one(true);
  }
  std::string tx(const std::string& hex) { return to_hex(service.transmit(card, from_hex(hex))); }
  std::string deferred(const std::string& hex, CommitWaiter& w) {
    return to_hex(service.transmit_deferred(card, from_hex(hex), w));
  }
  // The applet's record "a" as the store holds it (what a restarted card would see).
  std::string stored_a() {
    const auto records = store->open_card("card-1")->load();
    const auto it = records.find(to_hex(kTxAid1) + "/a");
    return it == records.end() ? "" : to_hex(it->second.view());
  }
};

// Reports of a waiter, as a transport would receive them.
struct Report {
  int calls = 0;
  bool ok = false;
  std::function<void(bool)> fn() {
    return [this](bool r) {
      ++calls;
      ok = r;
    };
  }
};

TEST(TransmitDeferred, TheResponseIsReportedDurableOnlyWhenTheStoreSaysSo) {
  GatedCard g;
  CommitWaiter w;
  EXPECT_EQ(g.deferred("8001000002CAFE", w), "9000");
  EXPECT_EQ(g.backend->held(), 1u);
  EXPECT_FALSE(w.idle());
  Report r;
  w.when_done(r.fn());
  EXPECT_EQ(r.calls, 0);  // not durable yet: the transport must not answer
  EXPECT_EQ(g.stored_a(), "");
  g.backend->finish_one(true);
  EXPECT_EQ(r.calls, 1);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(g.stored_a(), "CAFE");
}

TEST(TransmitDeferred, CommandsChainOnACommitStillInFlight) {
  GatedCard g;
  CommitWaiter w;
  EXPECT_EQ(g.deferred("8001000001AA", w), "9000");
  EXPECT_EQ(g.deferred("8001000001BB", w), "9000");
  EXPECT_EQ(g.deferred("8005000000", w), "BB9000");  // reads see the image, ahead of the store
  EXPECT_EQ(g.backend->held(), 2u);
  Report r;
  w.when_done(r.fn());
  g.backend->finish_one(true);
  EXPECT_EQ(r.calls, 0);
  g.backend->finish_one(true);
  EXPECT_EQ(r.calls, 1);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(g.stored_a(), "BB");
}

TEST(TransmitDeferred, AFailedCommitReloadsTheCardToItsDurableState) {
  GatedCard g;
  EXPECT_EQ(g.tx("8001000001AA"), "9000");  // synchronous: durable
  CommitWaiter w;
  EXPECT_EQ(g.deferred("8001000001BB", w), "9000");
  EXPECT_EQ(g.deferred("8001000001CC", w), "9000");  // chained on the one that will fail
  Report r;
  w.when_done(r.fn());
  g.backend->finish_one(false);
  g.backend->finish_one(true);  // its compare-and-swap fails: nothing of it lands either
  EXPECT_EQ(r.calls, 1);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(g.stored_a(), "AA");
  // The next command finds the card reloaded (as after a memory failure: the ISD selected again).
  EXPECT_EQ(g.tx(kSelect), kSelected);
  EXPECT_EQ(g.tx("8005000000"), "AA9000");
  // And it commits again.
  EXPECT_EQ(g.tx("8001000001DD"), "9000");
  EXPECT_EQ(g.stored_a(), "DD");
}

TEST(TransmitDeferred, ReleaseWaitsForTheCommitsInFlight) {
  GatedCard g;
  CommitWaiter w;
  EXPECT_EQ(g.deferred("8001000001AA", w), "9000");
  g.service.power_off("card-1");
  auto released = std::async(std::launch::async, [&] { return g.service.release("card-1"); });
  EXPECT_EQ(released.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  g.backend->finish_one(true);
  EXPECT_TRUE(released.get());
  EXPECT_EQ(g.stored_a(), "AA");
}

// On a store that commits synchronously (memory) the commit is finished when transmit returns.
TEST(TransmitDeferred, OnASynchronousStoreTheWaiterIsDoneAtOnce) {
  testing::Harness h;
  h.service->install_applet(h.seid, "test.tx", kTxAid1, {});
  auto card = h.service->handle(h.seid);
  CommitWaiter w;
  EXPECT_EQ(to_hex(h.service->transmit_deferred(card, from_hex(kSelect), w)), kSelected);
  EXPECT_EQ(to_hex(h.service->transmit_deferred(card, from_hex("8001000001AA"), w)), "9000");
  EXPECT_TRUE(w.idle());
  Report r;
  w.when_done(r.fn());
  EXPECT_EQ(r.calls, 1);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(h.stored(kTxAid1, "a"), "AA");
}

// On SQLite, with the store's writer thread: put_now still waits (the try counter is durable
// before the check), the rest of the command is durable when the waiter reports it, and an
// injected commit failure is reported and undone.
TEST(TransmitDeferred, OnSqliteWritesAreDurableWhenReported) {
  const auto dir = std::filesystem::temp_directory_path() / ("sesame-deferred-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto faults = std::make_shared<store::StoreFaults>();
  store::SqliteOptions o;
  o.faults = faults;
  const SecureBytes master(ByteView(Bytes(32, 0x22)));
  {
    auto st = store::open_sqlite_store((dir / "s.db").string(), SecureBytes(master.view()), o);
    AppletRegistry reg = test_registry();
    CardService service(*st, reg);
    service.create_card({"card-1", ""});
    service.install_applet("card-1", "test.tx", kTxAid1, {});
    auto card = service.handle("card-1");
    auto wait = [](CommitWaiter& w) {
      std::promise<bool> p;
      w.when_done([&](bool ok) { p.set_value(ok); });
      return p.get_future().get();
    };
    CommitWaiter w;
    EXPECT_EQ(to_hex(service.transmit_deferred(card, from_hex(kSelect), w)), kSelected);
    EXPECT_EQ(to_hex(service.transmit_deferred(card, from_hex("8009000002BEEF"), w)), "9000");
    EXPECT_TRUE(wait(w));
    faults->fail_commit_after = 0;
    EXPECT_EQ(to_hex(service.transmit_deferred(card, from_hex("8001000001CC"), w)), "9000");
    EXPECT_FALSE(wait(w));
    EXPECT_EQ(to_hex(service.transmit(card, from_hex(kSelect))), kSelected);
    EXPECT_EQ(to_hex(service.transmit(card, from_hex("8005000000"))), "BEEF9000");
  }
  auto st = store::open_sqlite_store((dir / "s.db").string(), SecureBytes(master.view()));
  const auto records = st->open_card("card-1")->load();
  EXPECT_EQ(to_hex(records.at(to_hex(kTxAid1) + "/a").view()), "BEEF");
  EXPECT_EQ(to_hex(records.at(to_hex(kTxAid1) + "/b").view()), "BEEF");
  EXPECT_EQ(to_hex(records.at(to_hex(kTxAid1) + "/ctr").view()), "01");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sesame::card
