// Personalisation through the Issuer Security Domain (GP Card Specification 2.3 §11.5 INSTALL
// [for personalization], §11.11 STORE DATA), inside an SCP03 session with C-MAC:
//   INSTALL 80 E6 20 00: 00 00 <len> application AID 00 00 00 — the application STORE DATA is for.
//   STORE DATA 80 E2 P1 P2: P1 b8 last block, b7b6 encryption (00 clear, 11 every DGI value
//     encrypted with K-DEK: iso7816/gp_dgi.h), b5b4 structure; P2 block number 00, 01, ... .
// To an application the data must be DGIs (b5b4 = 01); without a preceding INSTALL [for
// personalization] STORE DATA personalises the ISD itself with BER-TLV data (b5b4 = 10 or 00):
// '42' Issuer Identification Number, '45' Card Image Number (GET DATA 0042 / 0045).
//
// Atomic: blocks are checked, decrypted and buffered in the ISD's channel session; only the last
// block applies the whole sequence, in one transaction (Applet::personalise_dgi per DGI). A broken
// sequence — a wrong block number, a malformed or refused block, any other command, the secure
// channel closed or lost — drops everything buffered, and nothing was written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "card/applet.h"
#include "iso7816/apdu.h"
#include "iso7816/gp_dgi.h"

namespace sesame::card {

class Card;

inline constexpr std::size_t kMaxPersonalisationBytes = 32 * 1024;  // buffered per sequence: 6A84 beyond
inline constexpr std::size_t kMaxIdentifierLength = 16;              // IIN / CIN value length

std::string iin_record();  // "gp/iin" (ISD records)
std::string cin_record();  // "gp/cin"

struct PendingDgi {
  iso7816::gp::Dgi dgi;
  bool encrypted = false;  // it arrived encrypted under K-DEK (now decrypted)
};

// The ISD's per-channel personalisation state.
struct PersonalisationSession {
  bool targeted = false;  // INSTALL [for personalization] named an application
  Bytes target;           // its AID
  int next_block = 0;     // P2 of the next STORE DATA
  std::vector<PendingDgi> dgis;  // application data so far (decrypted)
  std::vector<std::pair<std::uint32_t, Bytes>> isd_items;  // ISD data so far ('42', '45')
  std::size_t buffered = 0;
  void clear();  // ends the sequence and the targeting, wiping what was buffered
};

// INSTALL [for personalization] through the Security Domain `sd`. 6A80 malformed, 6A88 no such
// application (or the ISD), 6985 the application is LOCKED, the card is locked, or the application
// is not associated with `sd`. Answers '00'.
iso7816::ResponseApdu install_for_personalisation(Card& card, const iso7816::CommandApdu& apdu, PersonalisationSession& s,
                                                  ByteView sd);

// STORE DATA with the session's static K-DEK, through the Security Domain whose context is `isd`. Status words (each also ends the sequence): 6A86
// wrong block number, an encryption or structure indicator not allowed for the target; 6A80
// malformed data, an encrypted value that does not decrypt, an IIN/CIN of 0 or more than 16 bytes;
// 6A84 more than kMaxPersonalisationBytes; 6985 the target is now locked; the application's own
// status word from Applet::personalise_dgi (6A88 unknown DGI...). 9000 without data.
iso7816::ResponseApdu store_data(Card& card, const iso7816::CommandApdu& apdu, AppletContext& isd, PersonalisationSession& s,
                                 ByteView dek);

}  // namespace sesame::card
