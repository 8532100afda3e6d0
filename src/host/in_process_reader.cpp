#include "host/in_process_reader.h"

#include "card/card_service.h"
#include "util/error.h"

namespace sesame::host {
namespace {

// A card that does not exist is, to a terminal, a card that cannot be reached.
template <class F>
auto reach(const std::string& seid, F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    if (e.code() == Errc::not_found) fail(Errc::io, "in-process reader: no card " + seid);
    throw;
  }
}

}  // namespace

InProcessReader::InProcessReader(card::CardService& cards, std::string seid)
    : cards_(cards), seid_(std::move(seid)) {}

std::string InProcessReader::name() const {
  return "in-process " + seid_;
}

Bytes InProcessReader::connect() {
  return reach(seid_, [&] { return cards_.power_on(seid_); });
}

void InProcessReader::disconnect() {
  reach(seid_, [&] { cards_.power_off(seid_); });
}

Bytes InProcessReader::reset(bool warm) {
  return reach(seid_, [&] { return cards_.reset(seid_, warm); });
}

Bytes InProcessReader::transmit_raw(ByteView command_apdu) {
  return reach(seid_, [&] { return cards_.transmit(seid_, command_apdu); });
}

}  // namespace sesame::host
