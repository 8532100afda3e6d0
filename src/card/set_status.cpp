#include "card/set_status.h"

#include "card/administer.h"
#include "card/card.h"
#include "card/record_journal.h"
#include "card/security_domain.h"
#include "iso7816/status_word.h"
#include "util/error.h"

namespace sesame::card {
namespace {

using iso7816::Sw;
using iso7816::throw_sw;

}  // namespace

iso7816::ResponseApdu set_status(Card& card, const iso7816::CommandApdu& apdu, const AppletEntry& sd) {
  const bool issuer = is_isd(sd.aid);
  if (apdu.p1 == 0x80) {  // the Issuer Security Domain: the card life cycle (GP §5.1.1)
    if (!apdu.data.empty() && !std::equal(apdu.data.begin(), apdu.data.end(), isd_aid().begin(), isd_aid().end()))
      throw_sw(Sw::incorrect_data);
    CardLifeCycle target;
    switch (apdu.p2) {
      case 0x07: target = CardLifeCycle::initialized; break;
      case 0x0F: target = CardLifeCycle::secured; break;
      case 0x7F: target = CardLifeCycle::card_locked; break;
      case 0xFF: target = CardLifeCycle::terminated; break;
      default: throw_sw(Sw::incorrect_p1p2);
    }
    // GP 2.3 §5.1.1.4 / §5.1.1.5, §6.6.1: besides the ISD only a Security Domain with the Card Lock
    // privilege locks (and unlocks) the card, only one with Card Terminate terminates it.
    if (!issuer) {
      const bool lock = target == CardLifeCycle::card_locked ||
                        (target == CardLifeCycle::secured && card.state().life_cycle == CardLifeCycle::card_locked);
      const bool allowed = (lock && (sd.privileges[0] & privilege::card_lock)) ||
                           (target == CardLifeCycle::terminated && (sd.privileges[0] & privilege::card_terminate));
      if (!allowed) throw_sw(Sw::conditions_not_satisfied);
    }
    administer([&] { card.set_life_cycle(target); });
    return {};
  }
  if (apdu.p1 != 0x40) throw_sw(Sw::incorrect_p1p2);
  const ByteView aid = apdu.data;
  if (aid.size() < 5 || aid.size() > 16) throw_sw(Sw::incorrect_data);
  const auto& applets = card.state().applets;
  const AppletEntry* entry = nullptr;
  for (std::size_t i = 1; i < applets.size(); ++i)
    if (std::equal(aid.begin(), aid.end(), applets[i].aid.begin(), applets[i].aid.end())) entry = &applets[i];
  if (!entry) throw_sw(Sw::referenced_data_not_found);
  // GP 2.3 §7.3, §11.10.2: a Supplementary Security Domain locks only the applications associated
  // with it (the ISD: any application).
  if (!issuer && !associated_with(*entry, sd.aid)) throw_sw(Sw::conditions_not_satisfied);
  const std::uint8_t current = entry->life_cycle;
  const bool locked = (current & app_life_cycle::locked_bit) != 0;
  std::uint8_t next;
  if (apdu.p2 == 0x80) {  // lock (GP §5.3.1.4): any state but INSTALLED keeps its state under the bit
    next = current | app_life_cycle::locked_bit;
  } else if (apdu.p2 == 0x00) {  // unlock
    if (!locked) throw_sw(Sw::conditions_not_satisfied);
    next = current & 0x7F;
  } else if ((apdu.p2 & 0x80) == 0 && (apdu.p2 & 0x07) == 0x07) {  // application-specific state
    if (locked) throw_sw(Sw::conditions_not_satisfied);
    next = apdu.p2;
  } else {
    throw_sw(Sw::incorrect_data);
  }
  administer([&] { card.set_applet_life_cycle(aid, next); });
  return {};
}

}  // namespace sesame::card
