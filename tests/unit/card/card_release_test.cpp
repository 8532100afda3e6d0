// CardService::release and atr(): an idle card leaves memory and comes back intact on the next
// call, a powered card stays, and release racing commands on the same card never loses a write
// (docs/CARD-RUNTIME.md, "Releasing idle cards").
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "../common/expect_errc.h"
#include "card/card_state.h"
#include "store/store.h"
#include "test_harness.h"

namespace sesame::card {
namespace {

using testing::Harness;
using test::error_code_of;

const std::string kSelectTx1 = "00A4040007A0000009990101";

TEST(CardReleaseTest, AnIdleCardIsDroppedAndReloadsWithItsState) {
  Harness h;
  h.service->install_applet(h.seid, "test.tx", testing::kTxAid1, {});
  ASSERT_EQ(h.sw(kSelectTx1), 0x9000);
  ASSERT_EQ(h.sw("8003000001AA"), 0x9000);  // ctr = 1, a = AA
  h.service->power_off(h.seid);
  EXPECT_TRUE(h.service->release(h.seid));
  EXPECT_FALSE(h.service->release(h.seid)) << "nothing loaded any more";

  // A record changed behind the service's back is seen: the card was really read again.
  {
    auto cs = h.store->open_card(h.seid);
    cs->commit({store::Change{to_hex(testing::kTxAid1) + "/a", SecureBytes{0x5B}}});
  }
  ASSERT_EQ(h.sw(kSelectTx1), 0x9000);  // transmit powers the released card on again
  EXPECT_EQ(h.data("800A000000"), "01") << "the counter survived the release";
  EXPECT_EQ(h.data("8005000000"), "5B");
  EXPECT_TRUE(h.service->info(h.seid).powered);
  h.service->power_off(h.seid);
  EXPECT_TRUE(h.service->release(h.seid));
  EXPECT_EQ(h.service->power_on(h.seid), sesame_atr()) << "power_on loads it again too";
}

TEST(CardReleaseTest, APoweredCardStaysLoadedWithItsSession) {
  Harness h;
  h.service->install_applet(h.seid, "test.tx", testing::kTxAid1, {});
  ASSERT_EQ(h.sw(kSelectTx1), 0x9000);
  EXPECT_EQ(h.data("8007000000"), "01");  // session counter (volatile)
  EXPECT_FALSE(h.service->release(h.seid));
  EXPECT_TRUE(h.service->info(h.seid).powered);
  EXPECT_EQ(h.data("8007000000"), "02") << "still selected, session state kept";
}

TEST(CardReleaseTest, UnknownDeletedAndUnloadedCards) {
  Harness h;
  EXPECT_FALSE(h.service->release("nope"));
  EXPECT_FALSE(h.service->release(h.seid)) << "created but never loaded";
  h.service->info(h.seid);  // loads it, unpowered
  EXPECT_TRUE(h.service->release(h.seid));
  h.service->info(h.seid);
  h.service->delete_card(h.seid);
  EXPECT_FALSE(h.service->release(h.seid));
  EXPECT_EQ(error_code_of([&] { h.service->info(h.seid); }), Errc::not_found);
}

TEST(CardReleaseTest, AtrNeedsNoLoad) {
  Harness h;
  EXPECT_EQ(h.service->atr(h.seid), sesame_atr());
  EXPECT_FALSE(h.service->release(h.seid)) << "atr() did not load the card";
  EXPECT_EQ(h.service->power_on(h.seid), h.service->atr(h.seid));
  EXPECT_EQ(h.service->info(h.seid).atr, h.service->atr(h.seid));
  EXPECT_EQ(error_code_of([&] { h.service->atr("nope"); }), Errc::not_found);
  EXPECT_EQ(error_code_of([&] { h.service->atr("bad/seid"); }), Errc::not_found);
}

// Two cards, two workers per card (SELECT, increment, power off, over and over) and releasers
// spinning on both cards. A worker's increment can land on the ISD when the other worker powered
// the card off in between (then it is refused), but every increment answered 9000 must be in the
// counter: two loaded copies of one card, or a reload over a half-finished command, would lose some.
TEST(CardReleaseTest, ReleaseRacingCommandsLosesNothing) {
  Harness h;
  const std::string second = h.service->create_card({"card-2", ""});
  for (const std::string& seid : {h.seid, second}) h.service->install_applet(seid, "test.tx", testing::kTxAid1, {});

  constexpr int kRounds = 60;  // 2 workers x 60 < 256: the one-byte counter does not wrap
  std::atomic<bool> stop{false};
  std::atomic<int> released{0};
  std::atomic<int> acked[2] = {0, 0};
  std::atomic<int> bad_sw{0};
  const std::string seids[2] = {h.seid, second};
  std::vector<std::thread> threads;
  for (int c = 0; c < 2; ++c)
    for (int w = 0; w < 2; ++w)
      threads.emplace_back([&, c] {
        for (int i = 0; i < kRounds; ++i) {
          const auto sel = iso7816::ResponseApdu::parse(h.service->transmit(seids[c], from_hex(kSelectTx1)));
          if (sel.sw != 0x9000) ++bad_sw;
          const auto inc = iso7816::ResponseApdu::parse(h.service->transmit(seids[c], from_hex("8003000001AA")));
          if (inc.sw == 0x9000) ++acked[c];
          h.service->power_off(seids[c]);
        }
      });
  std::vector<std::thread> releasers;
  for (int r = 0; r < 2; ++r)
    releasers.emplace_back([&] {
      while (!stop) {
        for (const auto& seid : seids)
          if (h.service->release(seid)) ++released;
        (void)h.service->atr(seids[0]);
      }
    });
  for (auto& t : threads) t.join();
  stop = true;
  for (auto& t : releasers) t.join();

  EXPECT_EQ(bad_sw.load(), 0);
  EXPECT_GT(released.load(), 0) << "the race was exercised";
  for (int c = 0; c < 2; ++c) {
    EXPECT_GT(acked[c].load(), 0);
    ASSERT_EQ(iso7816::ResponseApdu::parse(h.service->transmit(seids[c], from_hex(kSelectTx1))).sw, 0x9000);
    const auto ctr = iso7816::ResponseApdu::parse(h.service->transmit(seids[c], from_hex("800A000000")));
    ASSERT_EQ(ctr.data.size(), 1u);
    EXPECT_EQ(ctr.data[0], acked[c].load()) << seids[c];
  }
}

// CardService::Handle (what a RACS session keeps for a card it holds) answers like transmit(seid)
// and finds the card again after release() retired its slot and after delete + create.
TEST(CardReleaseTest, AHandleFollowsTheCardThroughReleaseDeleteAndRecreate) {
  Harness h;
  h.service->install_applet(h.seid, "test.tx", testing::kTxAid1, {});
  CardService::Handle card = h.service->handle(h.seid);
  EXPECT_EQ(card.seid(), h.seid);
  const auto sw_of = [&](const std::string& apdu) {
    const Bytes r = h.service->transmit(card, from_hex(apdu));
    return get_u16(r, r.size() - 2);
  };
  ASSERT_EQ(sw_of(kSelectTx1), 0x9000);
  ASSERT_EQ(sw_of("8003000001AA"), 0x9000);  // ctr = 1, a = AA
  EXPECT_EQ(h.data("800A000000"), "01") << "the handle reached the same card as transmit(seid)";

  h.service->power_off(h.seid);
  ASSERT_TRUE(h.service->release(h.seid));  // the handle's slot is retired now
  ASSERT_EQ(sw_of(kSelectTx1), 0x9000);
  const Bytes ctr = h.service->transmit(card, from_hex("800A000000"));
  EXPECT_EQ(to_hex(ByteView(ctr.data(), ctr.size() - 2)), "01") << "reloaded from the store";
  EXPECT_TRUE(h.service->info(h.seid).powered) << "one loaded copy, seen by both paths";

  h.service->delete_card(h.seid);
  EXPECT_EQ(error_code_of([&] { h.service->transmit(card, from_hex(kSelectTx1)); }), Errc::not_found);

  h.service->create_card({.seid = h.seid, .label = ""});
  h.service->install_applet(h.seid, "test.tx", testing::kTxAid1, {});
  ASSERT_EQ(sw_of(kSelectTx1), 0x9000) << "the new card with the same SEID";
  const Bytes fresh = h.service->transmit(card, from_hex("800A000000"));
  EXPECT_NE(to_hex(ByteView(fresh.data(), fresh.size() - 2)), "01") << "not the deleted card's counter";

  CardService::Handle unknown = h.service->handle("no-such-card");
  EXPECT_EQ(error_code_of([&] { h.service->transmit(unknown, from_hex(kSelectTx1)); }), Errc::not_found);
}

}  // namespace
}  // namespace sesame::card
