// What one vpcd reader slot does with each message, without any networking: power control and
// APDUs go to CardService, get-ATR and APDUs produce an answer. The Asio side is vpcd_bridge.
//
// The slot holds its card in the card locks shared with RACS while vpcd has it powered (from
// power-on or reset to power-off or disconnect). While another transport holds the card, the slot
// neither powers nor drives it: power-on does nothing and get-ATR is answered with no ATR, which
// vpcd takes as "no card in the reader".
#pragma once

#include <optional>
#include <string>

#include "server/card_locks.h"
#include "util/bytes.h"

namespace sesame::card {
class CardService;
}

namespace sesame::server {

class VpcdSession {
 public:
  VpcdSession(card::CardService& cards, CardLocks& locks, std::string seid, std::string log_name);
  ~VpcdSession();
  VpcdSession(const VpcdSession&) = delete;
  VpcdSession& operator=(const VpcdSession&) = delete;

  // One payload from vpcd. Returns the payload to send back (ATR or response APDU; empty: no
  // card), or nullopt when vpcd expects no answer. Throws Error(Errc::parse) for a message vpcd
  // never sends (empty, unknown control byte): the caller drops the connection.
  std::optional<Bytes> handle(ByteView payload);

  // vpcd went away: power the card off (if this slot holds it) and give it back, so the next
  // reader session starts from a cold card and RACS may take it meanwhile.
  void disconnected();

  const std::string& seid() const { return seid_; }
  bool holds_card() const { return holding_; }
  // The last get-ATR or APDU found the card held by another transport (cleared when it is not).
  bool refused() const { return refused_; }

 private:
  // Takes the card for this slot; false while another transport holds it.
  bool take();
  void give_back();

  card::CardService& cards_;
  CardLocks& locks_;
  HolderId id_;
  std::string seid_;
  std::string log_name_;
  Bytes atr_;  // cached: pcscd asks for it on every presence poll
  bool holding_ = false;
  bool refused_ = false;
};

}  // namespace sesame::server
