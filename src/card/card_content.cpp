#include "card/card_content.h"

#include <algorithm>

#include "card/administer.h"
#include "card/card.h"
#include "card/record_journal.h"
#include "iso7816/status_word.h"
#include "util/byte_reader.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::card {
namespace {

using iso7816::Sw;
using iso7816::throw_sw;

bool same(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

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

}  // namespace

iso7816::ResponseApdu install_application(Card& card, const iso7816::CommandApdu& apdu) {
  if (apdu.p1 != 0x0C || apdu.p2 != 0x00) throw_sw(Sw::incorrect_p1p2);
  InstallData d;
  Bytes params;
  try {
    d = parse_install(apdu.data);
    params = applet_parameters(d.params);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
  if (!d.token.empty()) throw_sw(Sw::incorrect_data);  // delegated management is not supported
  if (!std::all_of(d.privileges.begin(), d.privileges.end(), [](std::uint8_t b) { return b == 0; }) ||
      (d.privileges.size() != 1 && d.privileges.size() != 3))
    throw_sw(Sw::incorrect_data);  // no security domains or other privileges yet
  const AppletModule* module = nullptr;
  for (const auto& m : card.registry().modules())
    if (same(m.load_file_aid, d.load_file) && same(m.module_aid, d.module)) module = &m;
  if (!module) throw_sw(Sw::referenced_data_not_found);
  const std::string name = module->name;
  administer([&] { card.install_applet(name, d.application, params); });
  return {Bytes{0x00}, 0x9000};
}

iso7816::ResponseApdu delete_application(Card& card, const iso7816::CommandApdu& apdu) {
  if (apdu.p1 != 0x00 || (apdu.p2 != 0x00 && apdu.p2 != 0x80)) throw_sw(Sw::incorrect_p1p2);
  Tlv aid;
  try {
    aid = parse_one(apdu.data);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
  if (aid.tag() != 0x4F || aid.value().size() < 5 || aid.value().size() > 16) throw_sw(Sw::incorrect_data);
  if (same(aid.value(), isd_aid())) throw_sw(Sw::conditions_not_satisfied);
  administer([&] { card.delete_applet(aid.value()); });
  return {Bytes{0x00}, 0x9000};
}

}  // namespace sesame::card
