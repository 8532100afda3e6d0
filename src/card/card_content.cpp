#include "card/card_content.h"

#include <algorithm>

#include "card/administer.h"
#include "card/card.h"
#include "card/delegated_management.h"
#include "card/isd.h"
#include "card/record_journal.h"
#include "card/security_domain.h"
#include "iso7816/status_word.h"
#include "util/byte_reader.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::card {
namespace {

using iso7816::Sw;
using iso7816::throw_sw;

bool same(ByteView a, ByteView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

struct InstallData {
  Bytes load_file, module, application, privileges, params, token;
};

InstallData parse_install(ByteView data) {
  ByteReader r(data, "INSTALL data");
  InstallData d;
  auto field = [&](Bytes& out) {
    const std::size_t n = r.u8();
    const ByteView v = r.bytes(n);
    out.assign(v.begin(), v.end());
  };
  field(d.load_file);
  field(d.module);
  field(d.application);
  field(d.privileges);
  field(d.params);
  field(d.token);
  if (!r.empty()) fail(Errc::parse, "INSTALL: data after the token");
  return d;
}

// The install parameters field: 'C9' (application specific parameters) and optionally 'EF'
// (system parameters, ignored); an empty field means no parameters.
Bytes applet_parameters(ByteView field) {
  if (field.empty()) return {};
  const std::vector<Tlv> tlvs = parse_tlv(field);
  const Tlv* c9 = find_tlv(tlvs, 0xC9);
  if (!c9) fail(Errc::parse, "INSTALL: install parameters without 'C9'");
  return c9->value();
}

// Who may run content management (GP 2.3 §9.2, §9.4): the ISD and an SSD with Authorized Management
// without a token (a token there is incorrect data: 6A80); an SSD with Delegated Management only
// with one (none: 6982, the security condition of §9.4.1 is not met); any other SSD not at all
// (6985). Returns true when the command is delegated (its token is verified later, last).
bool delegated(const AppletEntry& sd, ByteView token) {
  if (is_isd(sd.aid) || (sd.privileges[1] & privilege::authorized_management)) {
    if (!token.empty()) throw_sw(Sw::incorrect_data);
    return false;
  }
  if (sd.privileges[0] & privilege::delegated_management) {
    if (token.empty()) throw_sw(Sw::security_status_not_satisfied);
    return true;
  }
  throw_sw(Sw::conditions_not_satisfied);
}

// The ISD manages any application, an SSD only those associated with it (GP 2.3 §7.3).
void require_scope(const AppletEntry& sd, const AppletEntry& app) {
  if (is_isd(sd.aid)) return;
  if (!associated_with(app, sd.aid)) throw_sw(Sw::conditions_not_satisfied);
}

Bytes lv(ByteView a, ByteView b = {}, bool two = false) {
  Bytes out{static_cast<std::uint8_t>(a.size())};
  append(out, a);
  if (two) {
    out.push_back(static_cast<std::uint8_t>(b.size()));
    append(out, b);
  }
  return out;
}

// A delegated command: the token verified and spent (delegated_management.h) just before `apply`,
// the receipt after it. Otherwise `apply` and the answer '00' (no receipt).
template <class F>
iso7816::ResponseApdu run(Card& card, bool is_delegated, const iso7816::CommandApdu& apdu,
                          ByteView data_without_token, ByteView token, const Bytes& receipt_data, F&& apply) {
  if (!is_delegated) {
    administer(apply);
    return {Bytes{0x00}, 0x9000};
  }
  Persistent isd = card.isd_records();
  const Bytes cud = key_diversification_data(card.seid());
  const std::uint16_t counter = consume_token(isd, apdu.p1, apdu.p2, data_without_token, token, cud);
  administer(apply);
  return {confirmation(card.isd_records(), counter, cud, receipt_data), 0x9000};
}

}  // namespace

iso7816::ResponseApdu install_application(Card& card, const iso7816::CommandApdu& apdu,
                                          const AppletEntry& sd) {
  if (apdu.p1 == 0x10) return extradite(card, apdu, sd);
  if (apdu.p1 != 0x0C || apdu.p2 != 0x00) throw_sw(Sw::incorrect_p1p2);
  InstallData d;
  Bytes params;
  try {
    d = parse_install(apdu.data);
    params = applet_parameters(d.params);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
  const bool is_delegated = delegated(sd, d.token);
  if (d.privileges.size() != 1 && d.privileges.size() != 3) throw_sw(Sw::incorrect_data);
  Privileges privileges{};
  std::copy(d.privileges.begin(), d.privileges.end(), privileges.begin());
  const bool sd_module = same(d.load_file, ssd_load_file_aid()) && same(d.module, ssd_module_aid());
  std::string name;
  if (sd_module) {
    name = kSsdModule;
    if (!is_isd(sd.aid)) throw_sw(Sw::conditions_not_satisfied);  // only the ISD creates Security Domains
  } else {
    for (const auto& m : card.registry().modules())
      if (same(m.load_file_aid, d.load_file) && same(m.module_aid, d.module)) name = m.name;
    if (name.empty()) throw_sw(Sw::referenced_data_not_found);
  }
  // GP 2.3 §11.5.2.3: privileges the card does not grant (docs/GP.md) are incorrect data.
  if (!grantable(privileges, sd_module)) throw_sw(Sw::incorrect_data);
  if (d.application.size() < 5 || d.application.size() > 16) throw_sw(Sw::incorrect_data);
  if (find_entry(card.state(), d.application))
    throw_sw(Sw::conditions_not_satisfied);  // AID in use (before a token is spent)
  const ByteView without_token = ByteView(apdu.data).first(apdu.data.size() - 1 - d.token.size());
  // GP §7.3: an application installed through a Security Domain is associated with it.
  return run(card, is_delegated, apdu, without_token, d.token, lv(d.load_file, d.application, true),
             [&] { card.install_applet(name, d.application, params, privileges, sd.aid); });
}

// INSTALL [for extradition] (GP 2.3 §11.5.2.3 Table 11-47): SD AID, empty, application AID, empty
// privileges and parameters, token.
iso7816::ResponseApdu extradite(Card& card, const iso7816::CommandApdu& apdu, const AppletEntry& sd) {
  if (apdu.p2 != 0x00) throw_sw(Sw::incorrect_p1p2);
  InstallData d;
  try {
    d = parse_install(apdu.data);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
  if (!d.module.empty() || !d.privileges.empty() || !d.params.empty()) throw_sw(Sw::incorrect_data);
  if (d.application.size() < 5 || d.application.size() > 16 || d.load_file.size() < 5 ||
      d.load_file.size() > 16)
    throw_sw(Sw::incorrect_data);
  const bool is_delegated = delegated(sd, d.token);
  const CardState& st = card.state();
  const AppletEntry* app = find_entry(st, d.application);
  if (!app) throw_sw(Sw::referenced_data_not_found);
  if (is_isd(app->aid)) throw_sw(Sw::conditions_not_satisfied);
  require_scope(sd, *app);
  const AppletEntry* target = find_entry(st, d.load_file);
  if (!target || !is_security_domain(*target)) throw_sw(Sw::referenced_data_not_found);
  if (same(target->aid, app->aid)) throw_sw(Sw::incorrect_data);
  const ByteView without_token = ByteView(apdu.data).first(apdu.data.size() - 1 - d.token.size());
  return run(card, is_delegated, apdu, without_token, d.token, lv(d.load_file, d.application, true),
             [&] { card.set_security_domain(d.application, d.load_file); });
}

// DELETE (GP 2.3 §11.2.2.3 Table 11-22): '4F' AID, and for delegated management '9E' token.
iso7816::ResponseApdu delete_application(Card& card, const iso7816::CommandApdu& apdu,
                                         const AppletEntry& sd) {
  if (apdu.p1 != 0x00 || (apdu.p2 != 0x00 && apdu.p2 != 0x80)) throw_sw(Sw::incorrect_p1p2);
  std::vector<Tlv> tlvs;
  try {
    tlvs = parse_tlv(apdu.data, TlvMode::strict);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
  if (tlvs.empty() || tlvs.size() > 2 || tlvs[0].tag() != 0x4F || (tlvs.size() == 2 && tlvs[1].tag() != 0x9E))
    throw_sw(Sw::incorrect_data);
  const Bytes aid = tlvs[0].value();
  const Bytes token = tlvs.size() == 2 ? tlvs[1].value() : Bytes{};
  if (aid.size() < 5 || aid.size() > 16) throw_sw(Sw::incorrect_data);
  if (same(aid, isd_aid())) throw_sw(Sw::conditions_not_satisfied);
  const bool is_delegated = delegated(sd, token);
  const AppletEntry* app = find_entry(card.state(), aid);
  if (!app) throw_sw(Sw::referenced_data_not_found);
  require_scope(sd, *app);
  if (same(aid, sd.aid)) throw_sw(Sw::conditions_not_satisfied);  // an SSD does not delete itself
  const std::size_t token_tlv = tlvs.size() == 2 ? tlv_encode(0x9E, token).size() : 0;
  const ByteView without_token = ByteView(apdu.data).first(apdu.data.size() - token_tlv);
  return run(card, is_delegated, apdu, without_token, token, lv(aid), [&] { card.delete_applet(aid); });
}

}  // namespace sesame::card
