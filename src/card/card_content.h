// INSTALL [for install and make selectable / for extradition] (GP Card Specification 2.3 §11.5)
// and DELETE (§11.2) for the Issuer Security Domain and Supplementary Security Domains, applied through the card's administration (Card::install_applet
// / delete_applet: one commit, then the card in memory). Called only inside an authenticated
// secure channel with C-MAC. sesame's load files are its built-in modules (GET STATUS P1 20/10);
// LOAD and INSTALL [for load] are not supported. `sd` is the registry entry of the Security Domain
// processing the command (security_domain.h): an SSD needs Authorized Management, manages only its
// associated applications and creates no Security Domains (6985 otherwise).
//   INSTALL 80 E6 0C 00: load file AID, module AID, application AID, privileges (1 or 3 bytes:
//     00 for applications; for the SD module A0000001515350/A000000151535041 see grantable()),
//     install parameters (C9 value handed to the applet), token (empty) — answers '00'.
//     6A86 other P1/P2, 6A80 malformed or privileges / token / unknown module pair, 6985 AID in use
//     or card locked.
//   INSTALL 80 E6 10 00 [for extradition]: SD AID, 00, application AID, 00, 00, token — associates
//     the application with that SD. 6A88 no such application or SD, 6A80 malformed.
//   DELETE 80 E4 00 00|80: '4F' application AID — answers '00'. 6A88 no such application,
//     6985 the ISD, 6A80 malformed.
#pragma once

#include "card/card_state.h"
#include "iso7816/apdu.h"

namespace sesame::card {

class Card;

iso7816::ResponseApdu install_application(Card& card, const iso7816::CommandApdu& apdu, const AppletEntry& sd);
iso7816::ResponseApdu extradite(Card& card, const iso7816::CommandApdu& apdu, const AppletEntry& sd);
iso7816::ResponseApdu delete_application(Card& card, const iso7816::CommandApdu& apdu, const AppletEntry& sd);

}  // namespace sesame::card
