// INSTALL [for install and make selectable] (GP Card Specification 2.3 §11.5) and DELETE (§11.2)
// for the Issuer Security Domain, applied through the card's administration (Card::install_applet
// / delete_applet: one commit, then the card in memory). Called only inside an authenticated
// secure channel with C-MAC. sesame's load files are its built-in modules (GET STATUS P1 20/10);
// LOAD, INSTALL [for load], supplementary security domains and privileges other than 00 are not
// supported.
//   INSTALL 80 E6 0C 00: load file AID, module AID, application AID, privileges (1 or 3 bytes, 00),
//     install parameters (C9 value handed to the applet), token (empty) — answers '00'.
//     6A86 other P1/P2, 6A80 malformed or privileges / token / unknown module pair, 6985 AID in use
//     or card locked.
//   DELETE 80 E4 00 00|80: '4F' application AID — answers '00'. 6A88 no such application,
//     6985 the ISD, 6A80 malformed.
#pragma once

#include "iso7816/apdu.h"

namespace sesame::card {

class Card;

iso7816::ResponseApdu install_application(Card& card, const iso7816::CommandApdu& apdu);
iso7816::ResponseApdu delete_application(Card& card, const iso7816::CommandApdu& apdu);

}  // namespace sesame::card
