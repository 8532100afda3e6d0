#include "server/wsca_service.h"

#include <spdlog/spdlog.h>

#include "card/card_service.h"
#include "host/in_process_reader.h"

namespace sesame::server {

using host::wsca::WscaClient;
using iso7816::wsca::Ins;

Bytes wsca_default_aid() {
  return Bytes{0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 0x02};
}

struct WscaService::CardState {
  CardState(card::CardService& cards, const std::string& seid)
      : reader(cards, seid), client(reader, wsca_default_aid()) {}
  std::mutex mutex;  // one request on this card at a time
  host::InProcessReader reader;
  WscaClient client;
  bool selected = false;  // the applet is selected on the basic channel since we took the card
};

WscaService::WscaService(card::CardService& cards, CardLocks& locks)
    : cards_(cards), locks_(locks), holder_(locks.new_holder()) {}

WscaService::~WscaService() {
  for (const auto& [seid, st] : states_) {
    if (locks_.holder(seid) != holder_) continue;
    try {  // as a RACS session ending: power off and give the card back (on PostgreSQL, its lease)
      cards_.power_off(seid);
      cards_.release(seid);
    } catch (const std::exception& e) {
      spdlog::warn("wsca: giving back card {}: {}", seid, e.what());
    }
    locks_.release(seid, holder_);
  }
}

WscaService::CardState& WscaService::state(const std::string& seid) {
  // exists() first, so a client naming random SEIDs cannot grow the map.
  if (!cards_.exists(seid)) fail(Errc::not_found, "no card " + seid);
  std::lock_guard lock(mutex_);
  auto& slot = states_[seid];
  if (!slot) slot = std::make_unique<CardState>(cards_, seid);
  return *slot;
}

void WscaService::with_card(const std::string& seid, const Body& body) {
  CardState& st = state(seid);
  std::lock_guard lock(st.mutex);
  switch (locks_.acquire(seid, holder_)) {
    case CardLocks::Result::already_held: break;
    case CardLocks::Result::acquired:
      // Someone else may have had the card since we last held it: select again (this also
      // clears the applet's session, so nothing of theirs carries over).
      st.selected = false;
      spdlog::info("wsca: took card {} for the HTTPS API", seid);
      break;
    case CardLocks::Result::in_use:
    default: throw CardInUse(seid);
  }
  if (!st.selected) {
    try {
      st.client.select();
    } catch (...) {
      locks_.release(seid, holder_);  // no WSCA here (6A82): nothing to keep the card for
      throw;
    }
    st.selected = true;
  }
  body(st.client);
}

void WscaService::with_user(const std::string& seid, std::uint32_t unit, const WscaAuth& auth,
                            ByteView operation, const Body& body) {
  with_card(seid, [&](WscaClient& c) {
    c.send_signed(Ins::authenticate, unit, {}, operation, auth.ephemeral_key, auth.envelope, auth.signature);
    try {
      body(c);
    } catch (...) {
      try {
        c.logout(unit);
      } catch (const std::exception& e) {
        spdlog::warn("wsca: LOGOUT after a failed request: {}", e.what());
      }
      throw;
    }
    c.logout(unit);
  });
}

}  // namespace sesame::server
