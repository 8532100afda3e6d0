// The Issuer Security Domain (GP Card Specification 2.3 §9.1.1), AID A000000151000000: present on
// every card, default selected, multi-selectable. It runs SCP03 secure channels (scp03_session.h,
// key sets in key_set.h) and answers GET DATA (CPLC '9F7F', Card Data '0066', key information
// '00E0', sequence counter '00C1', confirmation counter '00C2') and, inside an authenticated
// channel with C-MAC, GET STATUS (§11.4), PUT KEY (§11.8), SET STATUS (§11.10), INSTALL [for
// install and make selectable / extradition / personalization] (§11.5), DELETE (§11.2) and STORE
// DATA (§11.11). LOAD answers 6982 outside such a channel and 6D00 inside it (docs/GP.md).
// The same applet is every Supplementary Security Domain (make_ssd, security_domain.h), limited to
// the applications associated with it.
#pragma once

#include <memory>
#include <string>

#include "card/applet.h"

namespace sesame::card {

class Card;

std::unique_ptr<Applet> make_isd(Card& card);

// The 42-byte Card Production Life Cycle data (GET DATA tag 9F7F; layout as in GP 2.3 and Visa GP 2.1.1):
// fabricator, type, OS identity and release, dates, and an IC serial number derived from the SEID.
Bytes cplc(const std::string& seid);

// The 10-byte key diversification data of INITIALIZE UPDATE (CPLC IC fabricator, IC type, IC serial
// number, IC batch identifier); also the card unique data of delegated management receipts.
Bytes key_diversification_data(const std::string& seid);

// GP 2.3 §H.2 Card Recognition Data: the contents of tag '73'.
Bytes card_recognition_data();

}  // namespace sesame::card
