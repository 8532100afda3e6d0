// The Contactless Registry Service application (GlobalPlatform Card Specification Amendment C),
// kept minimal: the wallet activates or deactivates an application over the contactless interface
// with SET STATUS P1 '01' (contactless activation state) and reads the state with GET STATUS.
// Commands and status words: docs/EMV.md, "Contactless registry". The registry itself (states,
// the single-active payment rule, listeners) is the card runtime's (card/contactless_registry.h).
#include "applets/emv/emv_applets.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::applets::emv {
namespace {

using card::AppletContext;
using card::ContactlessState;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;

// Data '4F' L AID, nothing else (Amendment C SET STATUS / GET STATUS with the application's AID).
Bytes target_aid(ByteView data) {
  if (data.size() < 2 || data[0] != 0x4F || data[1] < 5 || data[1] > 16 || data.size() < 2u + data[1])
    throw_sw(Sw::incorrect_data);
  return Bytes(data.begin() + 2, data.begin() + 2 + data[1]);
}

class CrsApplet final : public card::Applet {
 public:
  ResponseApdu process(const CommandApdu& apdu, AppletContext& ctx) override {
    if (ctx.selecting()) return card::default_select_response(apdu, ctx.instance_aid());
    if (apdu.cla != 0x80) throw_sw((apdu.cla & 0x80) ? Sw::secure_messaging_not_supported : Sw::cla_not_supported);
    card::ContactlessRegistry* crs = ctx.contactless();
    if (!crs) throw_sw(Sw::conditions_not_satisfied);
    switch (apdu.ins) {
      case 0xF0: return set_status(apdu, *crs);
      case 0xF2: return get_status(apdu, *crs);
      default: throw_sw(Sw::ins_not_supported);
    }
  }

 private:
  // SET STATUS: P1 '01' the contactless activation state, P2 '01' activate / '00' deactivate.
  static ResponseApdu set_status(const CommandApdu& apdu, card::ContactlessRegistry& crs) {
    if (apdu.p1 != 0x01 || (apdu.p2 != 0x00 && apdu.p2 != 0x01)) throw_sw(Sw::incorrect_p1p2);
    const Bytes aid = target_aid(apdu.data);
    if (aid.size() + 2 != apdu.data.size()) throw_sw(Sw::incorrect_data);
    if (!crs.registered(aid)) throw_sw(Sw::referenced_data_not_found);
    // Only the issuer lifts NON_ACTIVATABLE (docs/EMV.md): the wallet can neither activate nor
    // deactivate such an application.
    if (crs.state(aid) == ContactlessState::non_activatable) throw_sw(Sw::conditions_not_satisfied);
    try {
      crs.set_state(aid, apdu.p2 == 0x01 ? ContactlessState::activated : ContactlessState::deactivated);
    } catch (const Error& e) {
      if (e.code() == Errc::not_found) throw_sw(Sw::referenced_data_not_found);
      if (e.code() == Errc::state) throw_sw(Sw::conditions_not_satisfied);
      throw;
    }
    return {{}, 0x9000};
  }

  // GET STATUS P1 '40' (applications) for one AID: '61' { '4F' AID, '9F70' application life cycle
  // || contactless activation state }.
  static ResponseApdu get_status(const CommandApdu& apdu, const card::ContactlessRegistry& crs) {
    if (apdu.p1 != 0x40 || apdu.p2 != 0x00) throw_sw(Sw::incorrect_p1p2);
    const Bytes aid = target_aid(apdu.data);
    if (!crs.registered(aid)) throw_sw(Sw::referenced_data_not_found);
    Bytes body;
    append_tlv(body, 0x4F, aid);
    append_tlv(body, 0x9F70, Bytes{crs.life_cycle(aid).value_or(0), static_cast<std::uint8_t>(crs.state(aid))});
    return {tlv_encode(0x61, body), 0x9000};
  }
};

}  // namespace

std::unique_ptr<card::Applet> make_crs_applet() { return std::make_unique<CrsApplet>(); }

card::AppletModule crs_module() {
  return {.name = kCrsModule,
          .load_file_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 'C', 'R', 'S', 0x01},
          .module_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 'C', 'R', 'S', 0x01, 0x01},
          .default_instance_aid = kCrsAid,
          .multi_selectable = true,
          .factory = [] { return make_crs_applet(); }};
}

}  // namespace sesame::applets::emv
