// SET STATUS (GP Card Specification 2.3 §11.10) for the Issuer Security Domain, applied through
// the card's administration (Card::set_life_cycle / set_applet_life_cycle: one commit, then the
// card in memory). Called only inside an authenticated secure channel with C-MAC.
//   P1 80: the card (ISD) life cycle, P2 = 07 INITIALIZED, 0F SECURED, 7F CARD_LOCKED, FF TERMINATED
//   P1 40: an application (data = its AID), P2 = 80 lock, 00 unlock, or an application-specific
//          state (b3..b1 = 111, b8 = 0) for an application that is not locked
// Status words: 6985 transition not allowed, 6A88 no such application, 6A80 bad AID or state,
// 6A86 other P1. Through a Supplementary Security Domain `sd`: P1 40 only for its associated
// applications, P1 80 only to lock/unlock (Card Lock privilege) or terminate (Card Terminate) the
// card; otherwise 6985.
#pragma once

#include "card/card_state.h"
#include "iso7816/apdu.h"

namespace sesame::card {

class Card;

iso7816::ResponseApdu set_status(Card& card, const iso7816::CommandApdu& apdu, const AppletEntry& sd);

}  // namespace sesame::card
