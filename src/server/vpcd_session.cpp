#include "server/vpcd_session.h"

#include <spdlog/spdlog.h>

#include "card/card_service.h"
#include "iso7816/status_word.h"
#include "server/apdu_log.h"
#include "server/vpcd_frame.h"
#include "util/error.h"

namespace sesame::server {

VpcdSession::VpcdSession(card::CardService& cards, std::string seid, std::string log_name)
    : cards_(cards), seid_(std::move(seid)), log_name_(std::move(log_name)) {}

std::optional<Bytes> VpcdSession::handle(ByteView payload) {
  const VpcdMessage msg = parse_vpcd_payload(payload);
  try {
    if (msg.kind == VpcdMessage::Kind::apdu) {
      spdlog::debug("{} card {} > {}", log_name_, seid_, describe_command(msg.apdu));
      Bytes response = cards_.transmit(seid_, msg.apdu);
      spdlog::debug("{} card {} < {}", log_name_, seid_, describe_response(response));
      return response;
    }
    switch (msg.control) {
      case VpcdControl::power_off:
        spdlog::debug("{} card {}: power off", log_name_, seid_);
        cards_.power_off(seid_);
        return std::nullopt;
      case VpcdControl::power_on:
        spdlog::debug("{} card {}: power on", log_name_, seid_);
        atr_ = cards_.power_on(seid_);
        return std::nullopt;
      case VpcdControl::reset:
        spdlog::debug("{} card {}: reset", log_name_, seid_);
        atr_ = cards_.reset(seid_, /*warm=*/true);
        return std::nullopt;
      case VpcdControl::get_atr:
        if (atr_.empty()) atr_ = cards_.info(seid_).atr;
        return atr_;
    }
    fail(Errc::internal, "vpcd: unhandled control message");
  } catch (const Error& e) {
    // The card is gone or its storage failed. vpcd has no "no card" answer to a command, so an
    // APDU gets 6F00 and a control message nothing; the error is logged without APDU data.
    spdlog::error("{} card {}: {} ({})", log_name_, seid_, e.what(), errc_name(e.code()));
    if (msg.kind == VpcdMessage::Kind::apdu) {
      Bytes sw;
      put_u16(sw, iso7816::sw_value(iso7816::Sw::no_precise_diagnosis));
      return sw;
    }
    if (msg.control == VpcdControl::get_atr) throw;  // no ATR to give: drop the connection
    return std::nullopt;
  }
}

void VpcdSession::disconnected() {
  atr_.clear();
  try {
    cards_.power_off(seid_);
  } catch (const Error& e) {
    spdlog::warn("{} card {}: power off after disconnect failed: {}", log_name_, seid_, e.what());
  }
}

}  // namespace sesame::server
