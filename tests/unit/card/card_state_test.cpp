// The "card/state" record: round trip and refusal of damaged records.
#include "card/card_state.h"

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/hex.h"

namespace sesame::card {
namespace {

TEST(CardStateTest, RoundTrips) {
  CardState s = initial_card_state("label");
  s.applets.push_back({from_hex("F05345534D4501"), "sesame.demo", 0x8F, {0x00, 0x01, 0x02}, {}});
  const CardState t = CardState::decode(s.encode().view());
  EXPECT_EQ(t.atr, s.atr);
  EXPECT_EQ(t.life_cycle, CardLifeCycle::secured);
  EXPECT_EQ(t.label, "label");
  ASSERT_EQ(t.applets.size(), 2u);
  EXPECT_EQ(t.applets[0].aid, isd_aid());
  EXPECT_EQ(t.applets[1].module, "sesame.demo");
  EXPECT_EQ(t.applets[1].life_cycle, 0x8F);
  EXPECT_EQ(t.applets[1].privileges, (std::array<std::uint8_t, 3>{0x00, 0x01, 0x02}));
}

TEST(CardStateTest, RefusesDamagedRecords) {
  const Bytes good = initial_card_state("x").encode().reveal();
  for (std::size_t n = 0; n < good.size(); ++n)
    EXPECT_THROW(CardState::decode(ByteView(good).first(n)), Error) << "truncated to " << n;
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_THROW(CardState::decode(trailing), Error);
  Bytes version = good;
  version[0] = 3;  // 1 (no security domains) and 2 are read
  EXPECT_THROW(CardState::decode(version), Error);
  Bytes life_cycle = good;
  life_cycle[1] = 0x03;
  EXPECT_THROW(CardState::decode(life_cycle), Error);
}

TEST(CardStateTest, ApplicationLifeCycles) {
  EXPECT_FALSE(applet_selectable(0x03));
  EXPECT_TRUE(applet_selectable(0x07));
  EXPECT_TRUE(applet_selectable(0x0F));
  EXPECT_TRUE(applet_selectable(0x7F));
  EXPECT_FALSE(applet_selectable(0x83));
  EXPECT_FALSE(applet_selectable(0x87));
}

}  // namespace
}  // namespace sesame::card
