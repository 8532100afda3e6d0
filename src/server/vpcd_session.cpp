#include "server/vpcd_session.h"

#include <spdlog/spdlog.h>

#include "card/card_service.h"
#include "iso7816/status_word.h"
#include "server/apdu_log.h"
#include "server/vpcd_frame.h"
#include "util/error.h"

namespace sesame::server {

VpcdSession::VpcdSession(card::CardService& cards, CardLocks& locks, std::string seid, std::string log_name)
    : cards_(cards), locks_(locks), id_(locks.new_holder()), seid_(std::move(seid)), log_name_(std::move(log_name)) {}

VpcdSession::~VpcdSession() { locks_.release(seid_, id_); }

bool VpcdSession::take() {
  if (holding_) return true;
  if (locks_.acquire(seid_, id_) == CardLocks::Result::in_use) {
    if (!refused_)
      spdlog::info("{} card {}: in use by a RACS session; the reader shows no card until it is released",
                   log_name_, seid_);
    refused_ = true;
    atr_.clear();
    return false;
  }
  holding_ = true;
  refused_ = false;
  return true;
}

void VpcdSession::give_back() {
  if (!holding_) return;
  holding_ = false;
  locks_.release(seid_, id_);
}

std::optional<Bytes> VpcdSession::handle(ByteView payload) {
  const VpcdMessage msg = parse_vpcd_payload(payload);
  const bool debug = spdlog::should_log(spdlog::level::debug);  // describe_* only when it is logged
  try {
    if (msg.kind == VpcdMessage::Kind::apdu) {
      // vpcd powers the card before its first APDU; one sent without that still takes the card.
      if (!take()) return Bytes{};  // no answer: vpcd ends the exchange as with a removed card
      if (debug) spdlog::debug("{} card {} > {}", log_name_, seid_, describe_command(msg.apdu));
      Bytes response = cards_.transmit(seid_, msg.apdu);
      if (debug) spdlog::debug("{} card {} < {}", log_name_, seid_, describe_response(response));
      return response;
    }
    switch (msg.control) {
      case VpcdControl::power_off:
        spdlog::debug("{} card {}: power off", log_name_, seid_);
        atr_.clear();
        if (holding_) {
          // Power off first, then give the card back: no other transport sees it half powered.
          try {
            cards_.power_off(seid_);
            cards_.release(seid_);  // unloaded while idle: on PostgreSQL, another node may take it
          } catch (...) {
            give_back();
            throw;
          }
          give_back();
        }
        return std::nullopt;
      case VpcdControl::power_on:
        spdlog::debug("{} card {}: power on", log_name_, seid_);
        if (!take()) return std::nullopt;  // the get-ATR that follows answers "no card"
        atr_ = cards_.power_on(seid_);
        return std::nullopt;
      case VpcdControl::reset:
        spdlog::debug("{} card {}: reset", log_name_, seid_);
        if (!take()) return std::nullopt;
        atr_ = cards_.reset(seid_, /*warm=*/true);
        return std::nullopt;
      case VpcdControl::get_atr:
        if (!holding_ && locks_.holder(seid_)) {
          if (!refused_)
            spdlog::info("{} card {}: in use by a RACS session; the reader shows no card until it is released",
                         log_name_, seid_);
          refused_ = true;
          return Bytes{};
        }
        refused_ = false;
        // Without loading the card: pcscd polls, and a load would take the card's lease.
        if (atr_.empty()) atr_ = cards_.atr(seid_);
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
  refused_ = false;
  if (!holding_) return;  // the card is off, or another transport's: leave it alone
  try {
    cards_.power_off(seid_);
    cards_.release(seid_);
  } catch (const Error& e) {
    spdlog::warn("{} card {}: power off after disconnect failed: {}", log_name_, seid_, e.what());
  }
  give_back();
}

}  // namespace sesame::server
