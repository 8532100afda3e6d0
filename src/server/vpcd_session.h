// What one vpcd reader slot does with each message, without any networking: power control and
// APDUs go to CardService, get-ATR and APDUs produce an answer. The Asio side is vpcd_bridge.
#pragma once

#include <optional>
#include <string>

#include "util/bytes.h"

namespace sesame::card {
class CardService;
}

namespace sesame::server {

class VpcdSession {
 public:
  VpcdSession(card::CardService& cards, std::string seid, std::string log_name);

  // One payload from vpcd. Returns the payload to send back (ATR or response APDU), or nullopt
  // when vpcd expects no answer. Throws Error(Errc::parse) for a message vpcd never sends
  // (empty, unknown control byte): the caller drops the connection.
  std::optional<Bytes> handle(ByteView payload);

  // vpcd went away: power the card off so the next reader session starts from a cold card.
  void disconnected();

  const std::string& seid() const { return seid_; }

 private:
  card::CardService& cards_;
  std::string seid_;
  std::string log_name_;
  Bytes atr_;  // cached: pcscd asks for it on every presence poll
};

}  // namespace sesame::server
