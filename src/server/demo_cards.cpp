#include "server/demo_cards.h"

#include "card/card_service.h"
#include "util/hex.h"

namespace sesame::server {

std::vector<DemoCard> demo_card_plan() {
  return {
      // The demo applet: AID F0 "SESAME" 01 (proprietary RID range F0).
      {"demo", "demo applet (sesame.demo)", "sesame.demo", from_hex("F0534553414D4501")},
  };
}

std::vector<DemoCard> create_demo_cards(card::CardService& cards) {
  std::vector<DemoCard> created;
  for (const DemoCard& demo : demo_card_plan()) {
    if (cards.exists(demo.seid)) continue;
    cards.create_card({.seid = demo.seid, .label = demo.label});
    cards.install_applet(demo.seid, demo.module, demo.aid, {});
    cards.release(demo.seid);  // not kept loaded (nor, on PostgreSQL, leased) by the node that made it
    created.push_back(demo);
  }
  return created;
}

}  // namespace sesame::server
