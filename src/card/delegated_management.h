// Delegated management on the card (GP Card Specification 2.3 §9.4, Appendix C.4; the formats are
// in iso7816/gp_delegated.h). The ISD holds the ISD owner's token verification key (KVN 70), the
// receipt key (KVN 71), both set with PUT KEY to the ISD (one key, P2 = 01), and the 2-byte
// confirmation counter (GET DATA '00C2'), in its records "dm/token-key", "dm/receipt-key",
// "dm/counter". A Supplementary Security Domain with the Delegated Management privilege runs
// INSTALL [for install], INSTALL [for extradition] and DELETE only with a valid token
// (card_content.cpp calls these):
//   1. the command is checked completely (data, scope, privileges) — refusals cost nothing;
//   2. verify_token: the token must verify over the command and the NEXT counter value and this
//      card's unique data — missing, wrong, for other data, for another card or replayed: 6982;
//      no token or receipt key on the card, or the counter exhausted: 6985;
//   3. the counter is incremented and made durable (put_now) BEFORE the operation, so a token
//      works once, also when the operation then fails or the card tears;
//   4. the answer carries the receipt over the new counter value (confirmation()).
#pragma once

#include <cstdint>
#include <string>

#include "card/persistent.h"
#include "iso7816/apdu.h"
#include "util/bytes.h"

namespace sesame::card {

std::string token_key_record();             // "dm/token-key"
std::string receipt_key_record();           // "dm/receipt-key"
std::string confirmation_counter_record();  // "dm/counter"

std::uint16_t confirmation_counter(const Persistent& isd);

// PUT KEY 80 D8 P1 01 to the ISD for KVN 70 / 71 (P1 00 add, or 70 / 71 replace), inside the
// ISD's session whose K-DEK encrypts the receipt key. Answers the KVN (|| KCV for the receipt key).
// 6A86 P1/P2 or a KVN other than 70 / 71, 6A80 malformed, 9484 not the expected key type or curve, 9485 wrong
// key check value, 6A88 the key to replace does not exist.
iso7816::ResponseApdu put_delegation_key(const iso7816::CommandApdu& apdu, Persistent& isd, ByteView dek);

// Steps 2 and 3. Returns the new counter value.
std::uint16_t consume_token(Persistent& isd, std::uint8_t p1, std::uint8_t p2, ByteView data_without_token,
                            ByteView token, ByteView card_unique_data);
// Step 4: '10' receipt L confirmation data.
Bytes confirmation(const Persistent& isd, std::uint16_t counter, ByteView card_unique_data,
                   ByteView receipt_data);

}  // namespace sesame::card
