#include "applets/eid/eid_applet.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "applets/eid/eid_protocols.h"
#include "applets/eid/eid_session.h"
#include "crypto/ec_key.h"
#include "iso7816/security_infos.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::applets::eid {
namespace {

namespace pace = iso7816::pace;
using card::AppletContext;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;

constexpr std::uint16_t kMasterFile = 0x3F00;

enum class Access { always, pace, chip_authentication };

struct FileInfo {
  std::uint16_t fid;
  std::uint8_t sfi;
  Access read;
  bool from_install;  // contents come from the install parameters ('E1')
};

// ICAO 9303-10 Table 38 (FIDs/SFIs); access rules of docs/EID.md.
constexpr std::array<FileInfo, 7> kFiles{{
    {kEfCardAccess, 0x1C, Access::always, false},
    {kEfCom, 0x1E, Access::pace, true},
    {kDg14, 0x0E, Access::pace, false},
    {kDg1, 0x01, Access::chip_authentication, true},
    {kDg2, 0x02, Access::chip_authentication, true},
    {kDg13, 0x0D, Access::chip_authentication, true},
    {kEfSod, 0x1D, Access::chip_authentication, true},
}};

const FileInfo* file_by_fid(std::uint16_t fid) {
  for (const auto& f : kFiles)
    if (f.fid == fid) return &f;
  return nullptr;
}

const FileInfo* file_by_sfi(std::uint8_t sfi) {
  for (const auto& f : kFiles)
    if (f.sfi == sfi) return &f;
  return nullptr;
}

std::string content_key(std::uint16_t fid) {
  Bytes b;
  put_u16(b, fid);
  return "ef/" + to_hex(b);
}

bool readable(const EidSession& s, Access a) {
  switch (a) {
    case Access::always: return true;
    case Access::pace: return s.sm.has_value() && s.pace_password && *s.pace_password != PasswordRef::puk;
    case Access::chip_authentication: return s.sm.has_value() && s.ca_done;
  }
  return false;
}

bool digits(ByteView v, std::size_t min, std::size_t max) {
  return v.size() >= min && v.size() <= max &&
         std::all_of(v.begin(), v.end(), [](auto c) { return c >= '0' && c <= '9'; });
}

class EidApplet final : public card::Applet {
 public:
  bool supports_chaining() const override { return true; }  // GENERAL AUTHENTICATE steps 1-3
  bool supports_secure_messaging() const override { return true; }

  void install(AppletContext& ctx, ByteView params) override {
    std::vector<Tlv> items;
    try {
      items = parse_tlv(params);
    } catch (const Error&) {
      throw_sw(Sw::incorrect_data);
    }
    card::Persistent& p = ctx.persistent();
    std::uint8_t curve_id = 13;
    bool pin = false, can = false, puk = false;
    std::optional<SecureBytes> ca_key;
    for (const Tlv& t : items) {
      const ByteView v = t.value();
      switch (t.tag()) {
        case kTagPin:
          if (!digits(v, 6, 6) || pin) throw_sw(Sw::incorrect_data);
          p.put(kRecPin, v);
          pin = true;
          break;
        case kTagCan:
          if (!digits(v, 6, 6) || can) throw_sw(Sw::incorrect_data);
          p.put(kRecCan, v);
          can = true;
          break;
        case kTagPuk:
          if (!digits(v, 8, 12) || puk) throw_sw(Sw::incorrect_data);
          p.put(kRecPuk, v);
          puk = true;
          break;
        case kTagMrz: install_mrz(p, v); break;
        case kTagCurve:
          if (v.size() != 1) throw_sw(Sw::incorrect_data);
          curve_id = v[0];
          break;
        case kTagFile: install_file(p, t); break;
        case kTagCaKey:
          if (ca_key) throw_sw(Sw::incorrect_data);
          ca_key = SecureBytes(v);
          break;
        default: throw_sw(Sw::incorrect_data);
      }
    }
    if (!pin || !can || !puk) throw_sw(Sw::incorrect_data);
    const auto curve = crypto::curve_from_standardized_id(curve_id);
    if (!curve || !pace::standardized_id(*curve)) throw_sw(Sw::incorrect_data);
    if (ca_key && ca_key->size() != crypto::order_size(*curve)) throw_sw(Sw::incorrect_data);
    p.put(kRecCurve, SecureBytes{curve_id});
    p.put(kRecPinTries, SecureBytes{kPinTries});
    p.put(kRecPukTries, SecureBytes{kPukTries});

    // Chip Authentication key: given by the issuer ('C6', so that EF.SOD can cover DG14) or
    // generated here; only the public key ever leaves the card.
    const auto ca = [&] {
      if (!ca_key) return crypto::EcPrivateKey::generate(*curve);
      try {
        return crypto::EcPrivateKey::from_scalar(*curve, *ca_key);
      } catch (const Error&) {
        throw_sw(Sw::incorrect_data);  // zero or not below the group order
      }
    }();
    p.put(kRecCaKey, ca.reveal_scalar());
    p.put(content_key(kEfCardAccess), iso7816::eid_card_access(curve_id));
    p.put(content_key(kDg14), iso7816::eid_dg14(ca.public_key()));
  }

  ResponseApdu process(const CommandApdu& apdu, AppletContext& ctx) override {
    EidSession& s = ctx.session<EidSession>();
    if (ctx.selecting()) {
      s = EidSession{};
      return card::default_select_response(apdu, ctx.instance_aid());
    }
    if (!apdu.secure_messaging()) {
      // ICAO 9303-11 §9.8.6.1: a plain command ends secure messaging.
      if (s.sm) s.end_secure_messaging();
      ResponseApdu r = dispatch(apdu, ctx, s);
      take_over(s);
      return r;
    }
    if (!s.sm) throw_sw(Sw::secure_messaging_not_supported);
    CommandApdu plain;
    try {
      plain = s.sm->unwrap_command(apdu);
    } catch (const iso7816::SwError&) {
      s.end_secure_messaging();  // 6987 / 6988 in plain, the session is over
      throw;
    }
    ResponseApdu r;
    try {
      r = dispatch(plain, ctx, s);
    } catch (const iso7816::SwError& e) {
      r = {{}, e.sw()};
    } catch (...) {
      s.end_secure_messaging();  // the runtime answers 6F00 in plain: the session cannot go on
      throw;
    }
    ResponseApdu out = s.sm->wrap_response(r);
    take_over(s);
    return out;
  }

 private:
  static void take_over(EidSession& s) {
    if (s.end_after_response) {
      s.end_secure_messaging();
      return;
    }
    if (s.next_sm) {
      s.sm.emplace(std::move(*s.next_sm));
      s.next_sm.reset();
    }
  }

  static void install_mrz(card::Persistent& p, ByteView v) {
    if (v.size() != 21) throw_sw(Sw::incorrect_data);
    const std::string_view text(reinterpret_cast<const char*>(v.data()), v.size());
    try {
      p.put(kRecMrz, pace::mrz_password(text.substr(0, 9), text.substr(9, 6), text.substr(15, 6)));
    } catch (const Error&) {
      throw_sw(Sw::incorrect_data);
    }
  }

  static void install_file(card::Persistent& p, const Tlv& t) {
    const Tlv* fid = t.find(0x83);
    const Tlv* content = t.find(0x53);
    if (!fid || !content || fid->value().size() != 2 || content->value().size() > 0x7FFF)
      throw_sw(Sw::incorrect_data);
    const FileInfo* f = file_by_fid(get_u16(fid->value()));
    if (!f || !f->from_install || p.contains(content_key(f->fid))) throw_sw(Sw::incorrect_data);
    p.put(content_key(f->fid), ByteView(content->value()));
  }

  ResponseApdu dispatch(const CommandApdu& apdu, AppletContext& ctx, EidSession& s) const {
    if ((apdu.cla & 0x80) != 0) throw_sw(Sw::cla_not_supported);
    if (apdu.chained() && apdu.ins != 0x86) throw_sw(Sw::command_chaining_not_supported);
    switch (apdu.ins) {
      case 0xA4: return select(apdu, ctx, s);
      case 0xB0: return read_binary(apdu, ctx, s);
      case 0x22:
        if (apdu.p1 == 0xC1 && apdu.p2 == 0xA4) return mse_set_at_pace(apdu, ctx, s);
        if (apdu.p1 == 0x41 && (apdu.p2 == 0xA4 || apdu.p2 == 0xA6))
          return mse_chip_authentication(apdu, ctx, s);
        throw_sw(Sw::incorrect_p1p2);
      case 0x86: return general_authenticate(apdu, ctx, s);
      case 0x2C: return reset_retry_counter(apdu, ctx, s);
      default: throw_sw(Sw::ins_not_supported);
    }
  }

  // SELECT (ISO/IEC 7816-4 §11.2.2) inside the application: MF/application (P1 00 with 3F00 or no
  // data, P1 04 with the instance AID) or an EF by FID (P1 00 / 02). P2 0C: no answer, else FCP.
  ResponseApdu select(const CommandApdu& apdu, AppletContext& ctx, EidSession& s) const {
    if (apdu.p2 != 0x0C && apdu.p2 != 0x04 && apdu.p2 != 0x00) throw_sw(Sw::incorrect_p1p2);
    const ByteView d = apdu.data;
    if (apdu.p1 == 0x04) {
      const ByteView aid = ctx.instance_aid();
      if (!std::equal(d.begin(), d.end(), aid.begin(), aid.end())) throw_sw(Sw::file_not_found);
      s.current_ef = 0;
      return {};
    }
    if (apdu.p1 != 0x00 && apdu.p1 != 0x02) throw_sw(Sw::incorrect_p1p2);
    if (apdu.p1 == 0x00 && (d.empty() || (d.size() == 2 && get_u16(d) == kMasterFile))) {
      s.current_ef = 0;
      return {};
    }
    if (d.size() != 2) throw_sw(Sw::wrong_length);
    const FileInfo* f = file_by_fid(get_u16(d));
    const auto content = f ? ctx.persistent().get(content_key(f->fid)) : std::nullopt;
    if (!content) throw_sw(Sw::file_not_found);
    s.current_ef = f->fid;
    if (apdu.p2 == 0x0C) return {};
    Bytes fcp, size;
    put_u16(size, static_cast<std::uint16_t>(content->size()));
    append_tlv(fcp, 0x80, size);
    append_tlv(fcp, 0x82, Bytes{0x01});
    append_tlv(fcp, 0x83, d);
    return {tlv_encode(0x62, fcp), 0x9000};
  }

  // READ BINARY B0: P1 b8 = 1 selects by SFI (b5..b1) with offset P2; else a 15-bit offset in the
  // current EF. Fewer bytes than a non-maximal Ne: 6282.
  ResponseApdu read_binary(const CommandApdu& apdu, AppletContext& ctx, EidSession& s) const {
    std::size_t offset = 0;
    const FileInfo* f = nullptr;
    if (apdu.p1 & 0x80) {
      if (apdu.p1 & 0x60) throw_sw(Sw::incorrect_p1p2);
      f = file_by_sfi(apdu.p1 & 0x1F);
      offset = apdu.p2;
    } else {
      if (s.current_ef == 0) throw_sw(Sw::command_not_allowed_no_current_ef);
      f = file_by_fid(s.current_ef);
      offset = (std::size_t{apdu.p1} << 8) | apdu.p2;
    }
    const auto content = f ? ctx.persistent().get(content_key(f->fid)) : std::nullopt;
    if (!content) throw_sw(Sw::file_not_found);
    if (!readable(s, f->read)) throw_sw(Sw::security_status_not_satisfied);
    s.current_ef = f->fid;
    if (!apdu.data.empty() || apdu.ne == 0) throw_sw(Sw::wrong_length);
    if (offset > content->size()) throw_sw(Sw::wrong_p1p2);
    const std::size_t take = std::min(apdu.ne, content->size() - offset);
    ResponseApdu r{Bytes(content->data() + offset, content->data() + offset + take), 0x9000};
    const bool ne_is_max = apdu.ne == 256 || apdu.ne == 65536;
    if (take < apdu.ne && !ne_is_max) r.sw = iso7816::sw_value(Sw::warning_end_of_file);
    return r;
  }

  // RESET RETRY COUNTER (TR-03110-3 §B.6, P2 = 03 the PIN): P1 03 unblocks/resumes the PIN
  // (after PACE with the PUK); P1 02 sets a new PIN (data: 6 digits; after PACE with PIN or PUK).
  ResponseApdu reset_retry_counter(const CommandApdu& apdu, AppletContext& ctx, EidSession& s) const {
    if (apdu.p2 != 0x03) throw_sw(Sw::referenced_data_not_found);
    const bool sm = s.sm.has_value() && s.pace_password.has_value();
    card::Persistent& p = ctx.persistent();
    if (apdu.p1 == 0x03) {
      if (!apdu.data.empty()) throw_sw(Sw::wrong_length);
      if (!sm || *s.pace_password != PasswordRef::puk) throw_sw(Sw::security_status_not_satisfied);
      p.put_now(kRecPinTries, SecureBytes{kPinTries});
      return {};
    }
    if (apdu.p1 == 0x02) {
      if (!sm || (*s.pace_password != PasswordRef::puk && *s.pace_password != PasswordRef::pin))
        throw_sw(Sw::security_status_not_satisfied);
      if (!digits(apdu.data, 6, 6)) throw_sw(Sw::incorrect_data);
      p.put(kRecPin, ByteView(apdu.data));
      p.put_now(kRecPinTries, SecureBytes{kPinTries});
      return {};
    }
    throw_sw(Sw::incorrect_p1p2);
  }
};

}  // namespace

card::AppletModule module() {
  return {.name = kModuleName,
          .load_file_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 'E', 'I', 'D'},
          .module_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 'E', 'I', 'D', 0x01},
          .default_instance_aid = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01},  // ICAO eMRTD LDS1
          .multi_selectable = false,
          .factory = [] { return make_eid_applet(); }};
}

std::unique_ptr<card::Applet> make_eid_applet() {
  return std::make_unique<EidApplet>();
}

}  // namespace sesame::applets::eid
