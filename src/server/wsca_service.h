// sesamed's relay to hosted WSCA applets (docs/WSCA.md, "HTTPS API"): the HTTPS routes drive the
// same applet instance the APDU transports reach, through CardService and host::WscaClient, so
// every path gets the applet's own checks (device signature, sealed PIN, unit isolation, try
// counters). The relay never holds a PIN or a device key: it forwards what the wallet instance
// prepared.
//
// Card locks: the service is one CardLocks holder. It takes a card on its first request and keeps
// it (as a RACS session keeps a card until it ends), because the applet keeps the pending
// challenges in the channel's session; while a RACS session or a vpcd slot holds the card, the
// service answers CardInUse. Requests on one card run one at a time (a mutex per card), so the
// user authentication a request brings is used by that request only and logged out after it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "host/wsca/wsca_client.h"
#include "server/card_locks.h"
#include "util/bytes.h"
#include "util/error.h"

namespace sesame::card {
class CardService;
}

namespace sesame::server {

// The default instance AID of sesame.wsca (docs/WSCA.md).
Bytes wsca_default_aid();

// A device-signed authentication as the wallet instance prepared it (docs/WSCA.md).
struct WscaAuth {
  Bytes ephemeral_key;  // C4: 04||X||Y
  Bytes envelope;       // C5: iv || ciphertext || tag
  Bytes signature;      // C6: raw r||s over auth_signing_input
};

// Another transport (RACS session, vpcd slot) holds the card.
class CardInUse final : public Error {
 public:
  explicit CardInUse(const std::string& seid)
      : Error(Errc::state, "card " + seid + " is in use by another transport") {}
};

class WscaService {
 public:
  using Body = std::function<void(host::wsca::WscaClient&)>;

  // `cards` and `locks` must outlive the service.
  WscaService(card::CardService& cards, CardLocks& locks);
  ~WscaService();  // gives back every card it holds
  WscaService(const WscaService&) = delete;
  WscaService& operator=(const WscaService&) = delete;

  // Runs `body` with a client on the card's WSCA applet (selected), holding the card and its
  // mutex. Error(Errc::not_found) for an unknown SEID, CardInUse, host::wsca::CardRefused (e.g.
  // 6A82 when the card has no WSCA applet), and whatever `body` throws.
  void with_card(const std::string& seid, const Body& body);
  // The same after AUTHENTICATE with `auth` for `unit`, bound to `operation` (D5: the one command
  // the wallet signed for, docs/WSCA.md); LOGOUT afterwards whatever happens, so no authentication
  // outlives the request that brought it.
  void with_user(const std::string& seid, std::uint32_t unit, const WscaAuth& auth, ByteView operation,
                 const Body& body);

 private:
  struct CardState;
  CardState& state(const std::string& seid);

  card::CardService& cards_;
  CardLocks& locks_;
  const HolderId holder_;
  std::mutex mutex_;  // the map only
  std::map<std::string, std::unique_ptr<CardState>> states_;
};

}  // namespace sesame::server
