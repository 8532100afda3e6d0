// CardService: card administration, errors, and concurrency (many cards in parallel, one card
// from several threads serialised).
#include "card/card_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "test_harness.h"

namespace sesame::card {
namespace {

using testing::Harness;

Errc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no Error thrown";
  return Errc::internal;
}

TEST(CardServiceTest, CreateListInfoDelete) {
  Harness h;
  EXPECT_TRUE(h.service->exists("card-1"));
  EXPECT_EQ(code_of([&] { h.service->create_card({"card-1", ""}); }), Errc::state);
  EXPECT_EQ(code_of([&] { h.service->create_card({"bad/seid", ""}); }), Errc::invalid_argument);
  EXPECT_EQ(code_of([&] { h.service->create_card({std::string(65, 'a'), ""}); }), Errc::invalid_argument);
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
  EXPECT_EQ(code_of([&] { h.service->transmit("card-1", from_hex("80CA9F7F00")); }), Errc::not_found);
  EXPECT_EQ(code_of([&] { h.service->delete_card("card-1"); }), Errc::not_found);
  EXPECT_EQ(code_of([&] { h.service->info("nope"); }), Errc::not_found);
}

TEST(CardServiceTest, InstallAndDeleteApplets) {
  Harness h;
  EXPECT_EQ(code_of([&] { h.service->install_applet(h.seid, "no.such", testing::kTxAid1, {}); }), Errc::not_found);
  EXPECT_EQ(code_of([&] { h.service->install_applet(h.seid, "test.tx", from_hex("A0000009"), {}); }), Errc::invalid_argument);
  EXPECT_EQ(code_of([&] { h.service->install_applet(h.seid, "sesame.isd", testing::kTxAid1, {}); }), Errc::not_found);
  h.service->install_applet(h.seid, "test.tx", testing::kTxAid1, {});
  EXPECT_EQ(code_of([&] { h.service->install_applet(h.seid, "test.tx", testing::kTxAid1, {}); }), Errc::state);
  EXPECT_EQ(code_of([&] { h.service->delete_applet(h.seid, from_hex("A000000151000000")); }), Errc::state);
  EXPECT_EQ(code_of([&] { h.service->delete_applet(h.seid, testing::kTxAid2); }), Errc::not_found);
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
  EXPECT_EQ(code_of([&] { other.transmit(h.seid, from_hex("80CA9F7F00")); }), Errc::state);
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

}  // namespace
}  // namespace sesame::card
