// The Issuer Security Domain (GP Card Specification 2.3 §9.1.1), AID A000000151000000: present on
// every card, default selected, multi-selectable. It answers GET DATA (CPLC '9F7F', Card Data
// '0066') and GET STATUS (§11.4). The card content management commands that need a secure
// channel (INSTALL, DELETE, LOAD, PUT KEY, SET STATUS, STORE DATA) answer 6982 until the
// secure channel protocol exists; INITIALIZE UPDATE / EXTERNAL AUTHENTICATE answer 6D00.
#pragma once

#include <memory>
#include <string>

#include "card/applet.h"

namespace sesame::card {

class Card;

std::unique_ptr<Applet> make_isd(const Card& card);

// The 42-byte Card Production Life Cycle data (GET DATA tag 9F7F; layout as in GP 2.3 and Visa GP 2.1.1):
// fabricator, type, OS identity and release, dates, and an IC serial number derived from the SEID.
Bytes cplc(const std::string& seid);

// GP 2.3 §H.2 Card Recognition Data: the contents of tag '73'.
Bytes card_recognition_data();

}  // namespace sesame::card
