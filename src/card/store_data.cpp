#include "card/store_data.h"

#include <algorithm>

#include "card/card.h"
#include "card/card_state.h"
#include "card/security_domain.h"
#include "iso7816/status_word.h"
#include "util/byte_reader.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::card {
namespace {

using iso7816::Sw;
using iso7816::throw_sw;
namespace p1 = iso7816::gp::store_data_p1;

bool same(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

// The application's registry entry, or 6A88; 6985 when it (or the card) is locked, or when it is not
// associated with the Security Domain `sd` doing the personalisation (GP 2.3 §7.3: a Security Domain
// personalises only its own applications; §11.5.2.3 INSTALL [for personalization]).
const AppletEntry& personalisable(const Card& card, ByteView aid, ByteView sd) {
  const CardState& st = card.state();
  if (st.life_cycle == CardLifeCycle::card_locked || st.life_cycle == CardLifeCycle::terminated) throw_sw(Sw::conditions_not_satisfied);
  for (std::size_t i = 1; i < st.applets.size(); ++i) {
    const AppletEntry& e = st.applets[i];
    if (!same(e.aid, aid)) continue;
    if (e.life_cycle & app_life_cycle::locked_bit) throw_sw(Sw::conditions_not_satisfied);
    if (!associated_with(e, sd)) throw_sw(Sw::conditions_not_satisfied);
    return e;
  }
  throw_sw(Sw::referenced_data_not_found);
}

// A failed check ends the sequence: whatever was buffered is dropped with it.
[[noreturn]] void refuse(PersonalisationSession& s, Sw sw) {
  s.clear();
  throw_sw(sw);
}

void buffer_application_block(const iso7816::CommandApdu& apdu, PersonalisationSession& s, ByteView dek) {
  const std::uint8_t enc = apdu.p1 & p1::encryption_mask;
  if ((apdu.p1 & p1::structure_mask) != p1::dgi_format) refuse(s, Sw::incorrect_p1p2);
  if (enc != p1::not_encrypted && enc != p1::encrypted) refuse(s, Sw::incorrect_p1p2);  // 01: application-defined, not supported
  std::vector<iso7816::gp::Dgi> dgis;
  try {
    dgis = iso7816::gp::parse_dgis(apdu.data);
    if (enc == p1::encrypted)
      for (auto& d : dgis) d.value = iso7816::gp::decrypt_dgi_value(dek, d.value.view());
  } catch (const Error&) {
    refuse(s, Sw::incorrect_data);
  }
  for (auto& d : dgis) {
    s.buffered += d.value.size() + 4;
    if (s.buffered > kMaxPersonalisationBytes) refuse(s, Sw::not_enough_memory);
    s.dgis.push_back({std::move(d), enc == p1::encrypted});
  }
}

void buffer_isd_block(const iso7816::CommandApdu& apdu, PersonalisationSession& s) {
  const std::uint8_t structure = apdu.p1 & p1::structure_mask;
  if (structure != p1::ber_tlv_format && structure != p1::no_structure) refuse(s, Sw::incorrect_p1p2);
  if ((apdu.p1 & p1::encryption_mask) != p1::not_encrypted) refuse(s, Sw::incorrect_p1p2);
  std::vector<Tlv> items;
  try {
    items = parse_tlv(apdu.data, TlvMode::strict);
  } catch (const Error&) {
    refuse(s, Sw::incorrect_data);
  }
  for (const auto& t : items) {
    if (t.tag() != 0x42 && t.tag() != 0x45) refuse(s, Sw::referenced_data_not_found);
    if (t.value().empty() || t.value().size() > kMaxIdentifierLength) refuse(s, Sw::incorrect_data);
    s.buffered += t.value().size() + 2;
    if (s.buffered > kMaxPersonalisationBytes) refuse(s, Sw::not_enough_memory);
    s.isd_items.emplace_back(t.tag(), t.value());
  }
}

}  // namespace

std::string iin_record() { return "gp/iin"; }
std::string cin_record() { return "gp/cin"; }

void PersonalisationSession::clear() {
  targeted = false;
  target.clear();
  next_block = 0;
  dgis.clear();  // SecureBytes wipe themselves
  isd_items.clear();
  buffered = 0;
}

// Defined here, with STORE DATA, its only user (declared in card.h).
void Card::personalise_applet(ByteView instance_aid, const std::function<void(Applet&, AppletContext&)>& f) {
  const int index = index_of(instance_aid);
  if (index <= 0) fail(Errc::not_found, "no application to personalise");
  SessionState scratch;  // personalisation runs outside any selection: no session of its own
  AppletContext ctx = context(0, index, false, &scratch);
  f(*instances_.at(static_cast<std::size_t>(index)).applet, ctx);
}

iso7816::ResponseApdu install_for_personalisation(Card& card, const iso7816::CommandApdu& apdu, PersonalisationSession& s,
                                                  ByteView sd) {
  s.clear();
  if (apdu.p2 != 0x00) throw_sw(Sw::incorrect_p1p2);
  // GP 2.3 Table 11-49: empty load file and module AIDs, the application AID, empty privileges,
  // install parameters and token.
  Bytes aid;
  try {
    ByteReader r(apdu.data, "INSTALL [for personalization]");
    if (r.u8() != 0 || r.u8() != 0) fail(Errc::parse, "load file / module AID must be empty");
    const std::size_t n = r.u8();
    const ByteView v = r.bytes(n);
    aid.assign(v.begin(), v.end());
    for (int i = 0; i < 3; ++i) {
      if (r.empty()) break;  // trailing empty fields may be left out
      if (r.u8() != 0) fail(Errc::parse, "privileges, parameters and token must be empty");
    }
    if (!r.empty()) fail(Errc::parse, "data after the token");
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
  if (aid.size() < 5 || aid.size() > 16) throw_sw(Sw::incorrect_data);
  personalisable(card, aid, sd);
  s.targeted = true;
  s.target = std::move(aid);
  return {Bytes{0x00}, 0x9000};
}

iso7816::ResponseApdu store_data(Card& card, const iso7816::CommandApdu& apdu, AppletContext& isd, PersonalisationSession& s,
                                 ByteView dek) {
  if (apdu.p2 != s.next_block) refuse(s, Sw::incorrect_p1p2);
  if ((apdu.p1 & 0x07) != 0) refuse(s, Sw::incorrect_p1p2);  // b3..b1 RFU
  if (s.targeted) {
    buffer_application_block(apdu, s, dek);
  } else {
    buffer_isd_block(apdu, s);
  }
  if ((apdu.p1 & p1::last_block) == 0) {
    if (s.next_block == 0xFF) refuse(s, Sw::incorrect_p1p2);  // no block number left for the next one
    ++s.next_block;
    return {};
  }
  // The last block: apply the whole sequence in this command's transaction.
  PersonalisationSession done = std::move(s);
  s.clear();
  if (done.targeted) {
    personalisable(card, done.target, isd.instance_aid());
    try {
      card.personalise_applet(done.target, [&](Applet& applet, AppletContext& ctx) {
        for (std::size_t i = 0; i < done.dgis.size(); ++i) {
          const PendingDgi& d = done.dgis[i];
          applet.personalise_dgi(ctx, d.dgi.tag, d.dgi.value.view(), d.encrypted, i + 1 == done.dgis.size());
        }
      });
    } catch (const iso7816::SwError&) {
      throw;
    } catch (const Error& e) {
      if (e.code() == Errc::not_found) throw_sw(Sw::referenced_data_not_found);
      throw;
    }
  } else {
    for (const auto& [tag, value] : done.isd_items) isd.persistent().put(tag == 0x42 ? iin_record() : cin_record(), ByteView(value));
  }
  return {};
}

}  // namespace sesame::card
