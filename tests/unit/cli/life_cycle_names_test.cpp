#include "cli/life_cycle_names.h"

#include <gtest/gtest.h>

namespace sesame::cli {
namespace {

// Codings from GlobalPlatform Card Specification 2.3, Tables 11-5 (card) and 11-4 (application).
TEST(LifeCycleNames, Card) {
  EXPECT_EQ(card_life_cycle_name(0x01), "OP_READY (01)");
  EXPECT_EQ(card_life_cycle_name(0x07), "INITIALIZED (07)");
  EXPECT_EQ(card_life_cycle_name(0x0F), "SECURED (0F)");
  EXPECT_EQ(card_life_cycle_name(0x7F), "CARD_LOCKED (7F)");
  EXPECT_EQ(card_life_cycle_name(0xFF), "TERMINATED (FF)");
  EXPECT_EQ(card_life_cycle_name(0x02), "unknown (02)");
}

TEST(LifeCycleNames, Application) {
  EXPECT_EQ(applet_life_cycle_name(0x03), "INSTALLED (03)");
  EXPECT_EQ(applet_life_cycle_name(0x07), "SELECTABLE (07)");
  EXPECT_EQ(applet_life_cycle_name(0x87), "LOCKED (87)");
  EXPECT_EQ(applet_life_cycle_name(0x1F), "SELECTABLE, application specific (1F)");
  EXPECT_EQ(applet_life_cycle_name(0x01), "unknown (01)");
}

}  // namespace
}  // namespace sesame::cli
