// CardService: card administration, errors, and concurrency (many cards in parallel, one card
// from several threads serialised).
#include "card/card_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "../common/expect_errc.h"
#include "test_harness.h"

namespace sesame::card {
namespace {

using testing::Harness;
using test::error_code_of;

TEST(CardServiceTest, CreateListInfoDelete) {
  Harness h;
  EXPECT_TRUE(h.service->exists("card-1"));
  EXPECT_EQ(error_code_of([&] { h.service->create_card({"card-1", ""}); }), Errc::state);
  EXPECT_EQ(error_code_of([&] { h.service->create_card({"bad/seid", ""}); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { h.service->create_card({std::string(65, 'a'), ""}); }), Errc::invalid_argument);
  const std::string random = h.service->create_card({});
  EXPECT_EQ(random.size(), 16u);
  auto list = h.service->list_cards();
  std::sort(list.begin(), list.end());
  std::vector<std::string> expected{"card-1", random};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(list, expected);

  const CardInfo info = h.service->info("card-1");
  EXPECT_EQ(info.seid, "card-1");
  EXPECT_EQ(info.life_cycle, CardLifeCycle::secured);
  ASSERT_EQ(info.applets.size(), 1u);
  EXPECT_EQ(to_hex(info.applets[0].aid), "A000000151000000");
  EXPECT_EQ(info.applets[0].module, "sesame.isd");
  EXPECT_EQ(info.applets[0].life_cycle, 0x0F);
  EXPECT_TRUE(info.applets[0].security_domain);

  h.service->delete_card("card-1");
  EXPECT_FALSE(h.service->exists("card-1"));
  EXPECT_EQ(error_code_of([&] { h.service->transmit("card-1", from_hex("80CA9F7F00")); }), Errc::not_found);
  EXPECT_EQ(error_code_of([&] { h.service->delete_card("card-1"); }), Errc::not_found);
  EXPECT_EQ(error_code_of([&] { h.service->info("nope"); }), Errc::not_found);
}

// The store also holds objects that are not cards (the audit log under "~audit"): ids that are
// not SEIDs are never listed as cards and cannot be reached as one.
TEST(CardServiceTest, StoreObjectsThatAreNotCardsAreNotListed) {
  Harness h;
  h.store->create_card("~audit");
  EXPECT_EQ(h.service->list_cards(), std::vector<std::string>{"card-1"});
  EXPECT_FALSE(h.service->exists("~audit"));
  EXPECT_EQ(error_code_of([&] { h.service->transmit("~audit", from_hex("80CA9F7F00")); }), Errc::not_found);
}

TEST(CardServiceTest, InstallAndDeleteApplets) {
  Harness h;
  EXPECT_EQ(error_code_of([&] { h.service->install_applet(h.seid, "no.such", testing::kTxAid1, {}); }), Errc::not_found);
  EXPECT_EQ(error_code_of([&] { h.service->install_applet(h.seid, "test.tx", from_hex("A0000009"), {}); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { h.service->install_applet(h.seid, "sesame.isd", testing::kTxAid1, {}); }), Errc::not_found);
  h.service->install_applet(h.seid, "test.tx", testing::kTxAid1, {});
  EXPECT_EQ(error_code_of([&] { h.service->install_applet(h.seid, "test.tx", testing::kTxAid1, {}); }), Errc::state);
  EXPECT_EQ(error_code_of([&] { h.service->delete_applet(h.seid, from_hex("A000000151000000")); }), Errc::state);
  EXPECT_EQ(error_code_of([&] { h.service->delete_applet(h.seid, testing::kTxAid2); }), Errc::not_found);
  auto info = h.service->info(h.seid);
  ASSERT_EQ(info.applets.size(), 2u);
  EXPECT_EQ(info.applets[1].module, "test.tx");
  EXPECT_EQ(info.applets[1].life_cycle, 0x07);
  EXPECT_FALSE(info.applets[1].security_domain);
  h.reload();
  EXPECT_EQ(h.service->info(h.seid).applets.size(), 2u) << "the registry entry is persistent";
  h.service->delete_applet(h.seid, testing::kTxAid1);
  EXPECT_EQ(h.service->info(h.seid).applets.size(), 1u);
}

TEST(CardServiceTest, ACardWhoseModuleIsMissingDoesNotLoad) {
  Harness h;
  h.service->install_applet(h.seid, "test.tx", testing::kTxAid1, {});
  AppletRegistry empty;
  CardService other(*h.store, empty);
  EXPECT_EQ(error_code_of([&] { other.transmit(h.seid, from_hex("80CA9F7F00")); }), Errc::state);
}

// 200 increments from 4 threads on one card: the card runs one command at a time, so none is lost.
TEST(CardServiceTest, OneCardFromSeveralThreadsIsSerialised) {
  Harness h;
  h.install_test_applets();
  ASSERT_EQ(h.sw("00A4040C07A0000009990101"), 0x9000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) EXPECT_EQ(h.sw("800B000000"), 0x6985);  // put_now ctr+1, then 6985
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.data("800A000000"), "C8");
}

TEST(CardServiceTest, ManyCardsInParallel) {
  Harness h;
  std::vector<std::string> seids;
  for (int i = 0; i < 6; ++i) {
    seids.push_back(h.service->create_card({"par-" + std::to_string(i), ""}));
    h.service->install_applet(seids.back(), "test.multi", testing::kMultiAid, {});
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (int c = t; c < 6; c += 3) {
          const auto& seid = seids[c];
          auto r = iso7816::ResponseApdu::parse(h.service->transmit(seid, from_hex("00A4040C07A0000009990201")));
          EXPECT_EQ(r.sw, 0x9000);
          r = iso7816::ResponseApdu::parse(h.service->transmit(seid, from_hex("800B000000")));
          EXPECT_EQ(r.sw, 0x6985);
        }
      }
    });
  // Meanwhile another thread creates, lists and deletes cards.
  threads.emplace_back([&] {
    for (int i = 0; i < 10; ++i) {
      const auto s = h.service->create_card({});
      EXPECT_TRUE(h.service->exists(s));
      h.service->delete_card(s);
    }
  });
  for (auto& t : threads) t.join();
  for (const auto& seid : seids) {
    auto r = iso7816::ResponseApdu::parse(h.service->transmit(seid, from_hex("800A000000")));
    EXPECT_EQ(to_hex(r.data), "14") << seid;
  }
}

// A Store whose open_card of one chosen card blocks until the test lets it go: a card whose first
// load is slow (a cold database, a lease being taken over).
class SlowOpenStore final : public store::Store {
 public:
  SlowOpenStore(store::Store& inner, std::string slow_card) : inner_(inner), slow_(std::move(slow_card)) {}

  void wait_until_blocked() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return blocked_; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

  std::vector<std::string> list_cards() override { return inner_.list_cards(); }
  bool card_exists(const std::string& id) override { return inner_.card_exists(id); }
  void create_card(const std::string& id) override { inner_.create_card(id); }
  void delete_card(const std::string& id) override { inner_.delete_card(id); }
  std::unique_ptr<store::CardStore> open_card(const std::string& id) override {
    if (id == slow_) {
      std::unique_lock lock(mu_);
      blocked_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
    }
    return inner_.open_card(id);
  }

 private:
  store::Store& inner_;
  std::string slow_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool blocked_ = false, released_ = false;
};

// While card A's first load is stuck in the store, card B (never loaded before either) is loaded
// and answers, and cards can be created, listed and deleted: no lock of the service is held across
// another card's store I/O.
TEST(CardServiceTest, ASlowLoadOfOneCardDoesNotBlockAnother) {
  Harness h;
  h.service->create_card({"card-b", ""});
  SlowOpenStore slow(*h.store, "card-1");
  CardService service(slow, h.registry);  // neither card loaded yet
  auto a = std::async(std::launch::async, [&] { return service.transmit("card-1", from_hex("80CA9F7F00")); });
  slow.wait_until_blocked();
  auto others = std::async(std::launch::async, [&] {
    const Bytes r = service.transmit("card-b", from_hex("80CA9F7F00"));
    const std::string c = service.create_card({"card-c", ""});
    const bool listed = service.list_cards().size() == 3;
    service.delete_card(c);
    return r.size() >= 2 && r[r.size() - 2] == 0x90 && listed && !service.exists(c);
  });
  const bool finished = others.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  slow.release();
  ASSERT_TRUE(finished) << "card B waited for card A's load";
  EXPECT_TRUE(others.get());
  const Bytes ra = a.get();
  EXPECT_EQ(to_hex(ra).substr(0, 6), "9F7F2A") << "card A answers once its load completes";
  EXPECT_EQ(ra.size(), 3u + 42u + 2u) << "9F7F 2A, the 42 bytes of CPLC, 9000";
}

// A card being created does not exist for anyone else until its first state is committed, and a
// second creation of the same SEID at the same time is refused.
TEST(CardServiceTest, ConcurrentCreationOfOneSeidMakesOneCard) {
  Harness h;
  std::atomic<int> made{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      try {
        h.service->create_card({"same", ""});
        ++made;
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::state);
        ++refused;
      }
      // Whoever sees the card sees a complete one: it answers, never 6581.
      if (h.service->exists("same")) {
        const Bytes r = h.service->transmit("same", from_hex("80CA9F7F00"));
        EXPECT_EQ(r[r.size() - 2], 0x90);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(made.load(), 1);
  EXPECT_EQ(refused.load(), 3);
}

}  // namespace
}  // namespace sesame::card
