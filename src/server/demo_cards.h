// The demo cards a development sesamed creates on its first start: one card per capability that
// exists so far, each with its applet installed, so a new user has something to talk to.
#pragma once

#include <string>
#include <vector>

#include "util/bytes.h"

namespace sesame::card {
class CardService;
}

namespace sesame::server {

struct DemoCard {
  std::string seid;
  std::string label;
  std::string module;  // applet module installed on it
  Bytes aid;           // instance AID of that applet
};

// What create_demo_cards makes (SEIDs fixed so docs and scripts can name them).
std::vector<DemoCard> demo_card_plan();

// Creates every planned card that does not exist yet; returns the ones it created.
std::vector<DemoCard> create_demo_cards(card::CardService& cards);

}  // namespace sesame::server
