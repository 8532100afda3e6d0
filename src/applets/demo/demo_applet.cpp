#include "applets/demo/demo_applet.h"

#include <string_view>

#include "card/filesystem.h"
#include "card/pin.h"
#include "iso7816/status_word.h"
#include "util/byte_reader.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::applets::demo {
namespace {

using card::AppletContext;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;

constexpr std::uint8_t kPinRef = 0x81;  // ISO/IEC 7816-4 P2: specific (local) reference data 1
constexpr std::size_t kPinField = 8;    // PIN fields in CHANGE / RESET RETRY COUNTER: FF-padded to 8
constexpr const char* kCounterKey = "counter";
constexpr std::string_view kInfo = "sesame demo applet v1";

// A PIN field: ASCII digits right-padded with FF (the PIV convention, NIST SP 800-73-4 §3.2.1).
Bytes unpad(ByteView field) {
  std::size_t n = field.size();
  while (n > 0 && field[n - 1] == 0xFF) --n;
  return Bytes(field.begin(), field.begin() + static_cast<std::ptrdiff_t>(n));
}

class DemoApplet final : public card::Applet {
 public:
  DemoApplet()
      : pin_("pin", {.min_length = 4, .max_length = 8, .digits_only = true, .try_limit = 3}),
        puk_("puk", {.min_length = 8, .max_length = 8, .digits_only = true, .try_limit = 5}) {
    auto pin_ok = [this](AppletContext& ctx) { return pin_.validated(ctx); };
    card::FileSpec info;
    info.fid = kEfInfo;
    info.sfi = 1;
    info.size = kInfo.size();
    fs_.add(card::kMasterFile, std::move(info));
    card::FileSpec secret;
    secret.fid = kEfSecret;
    secret.sfi = 2;
    secret.size = 32;
    secret.read = pin_ok;
    secret.update = pin_ok;
    fs_.add(card::kMasterFile, std::move(secret));
    card::FileSpec log;
    log.fid = kEfLog;
    log.kind = card::FileKind::linear_variable;
    log.sfi = 3;
    log.size = 32;
    log.max_records = 10;
    log.append = pin_ok;
    fs_.add(card::kMasterFile, std::move(log));
  }

  // Install parameters: optional '81' PIN (4-8 digits) and '82' PUK (8 digits).
  void install(AppletContext& ctx, ByteView params) override {
    Bytes pin(kDefaultPin, kDefaultPin + 4), puk(kDefaultPuk, kDefaultPuk + 8);
    std::vector<Tlv> items;
    try {
      items = parse_tlv(params);
    } catch (const Error&) {
      throw_sw(Sw::incorrect_data);
    }
    for (const auto& it : items) {
      switch (it.tag()) {
        case 0x81:
          pin = it.value();
          break;
        case 0x82:
          puk = it.value();
          break;
        default:
          throw_sw(Sw::incorrect_data);
      }
    }
    pin_.set(ctx.persistent(), pin);
    puk_.set(ctx.persistent(), puk);
    fs_.write_binary(ctx.persistent(), kEfInfo, as_bytes(kInfo));
  }

  // GP STORE DATA after INSTALL [for personalization] (docs/GP.md, "Personalisation"):
  // 0102 EF 0102's content (1-32 bytes, from offset 0), 0103 one more record of EF 0103 (1-32
  // bytes), 0200 the counter (4 bytes), 8101 a new PIN and 8102 a new PUK (digits; these two only
  // encrypted under K-DEK: 6A80 in clear). The runtime applies the whole sequence or nothing.
  void personalise_dgi(AppletContext& ctx, std::uint16_t dgi, ByteView value, bool encrypted, bool /*last*/) override {
    auto& p = ctx.persistent();
    switch (dgi) {
      case kDgiSecret:
        if (value.empty() || value.size() > 32) throw_sw(Sw::incorrect_data);
        fs_.write_binary(p, kEfSecret, value);
        return;
      case kDgiLogRecord:
        if (value.empty() || value.size() > 32 || fs_.records(p, kEfLog).size() >= 10) throw_sw(Sw::incorrect_data);
        fs_.append_record(p, kEfLog, value);
        return;
      case kDgiCounter:
        if (value.size() != 4) throw_sw(Sw::incorrect_data);
        p.put(kCounterKey, value);
        return;
      case kDgiPin:
      case kDgiPuk:
        if (!encrypted) throw_sw(Sw::incorrect_data);  // secrets travel only encrypted
        (dgi == kDgiPin ? pin_ : puk_).set(p, value);   // 6A80 when the policy refuses it
        return;
      default:
        throw_sw(Sw::referenced_data_not_found);
    }
  }

  ResponseApdu process(const CommandApdu& apdu, AppletContext& ctx) override {
    if (ctx.selecting()) return card::default_select_response(apdu, ctx.instance_aid());
    if (auto r = fs_.process(apdu, ctx)) return *r;
    const bool proprietary = (apdu.cla & 0x80) != 0;
    switch (apdu.ins) {
      case 0x20:
        if (proprietary) break;
        return verify(apdu, ctx);
      case 0x24:
        if (proprietary) break;
        return change_reference_data(apdu, ctx);
      case 0x2C:
        if (proprietary) break;
        return reset_retry_counter(apdu, ctx);
      case 0x84:
        if (proprietary) break;
        return get_challenge(apdu, ctx);
      case 0x10:
      case 0x11:
        if (!proprietary) break;
        return counter(apdu, ctx);
      default:
        throw_sw(Sw::ins_not_supported);
    }
    throw_sw(Sw::cla_not_supported);
  }

 private:
  void check_pin_ref(const CommandApdu& apdu) const {
    if (apdu.p2 != kPinRef) throw_sw(Sw::referenced_data_not_found);
  }

  ResponseApdu verify(const CommandApdu& apdu, AppletContext& ctx) const {
    check_pin_ref(apdu);
    if (apdu.p1 == 0xFF) {  // ISO/IEC 7816-4:2013 §11.5.6: reset the verification status
      if (!apdu.data.empty()) throw_sw(Sw::wrong_length);
      pin_.invalidate(ctx);
      return {};
    }
    if (apdu.p1 != 0x00) throw_sw(Sw::incorrect_p1p2);
    if (apdu.data.empty()) return {{}, pin_.status(ctx)};
    if (apdu.data.size() > kPinField) throw_sw(Sw::wrong_length);
    pin_.verify(ctx, unpad(apdu.data));
    return {};
  }

  ResponseApdu change_reference_data(const CommandApdu& apdu, AppletContext& ctx) const {
    check_pin_ref(apdu);
    if (apdu.p1 != 0x00) throw_sw(Sw::incorrect_p1p2);
    if (apdu.data.size() != 2 * kPinField) throw_sw(Sw::wrong_length);
    const ByteView d = apdu.data;
    pin_.change(ctx, unpad(d.first(kPinField)), unpad(d.subspan(kPinField)));
    return {};
  }

  // P1=00: PUK || new PIN; P1=01: PUK only (unblock, PIN unchanged).
  ResponseApdu reset_retry_counter(const CommandApdu& apdu, AppletContext& ctx) const {
    check_pin_ref(apdu);
    const ByteView d = apdu.data;
    if (apdu.p1 == 0x00) {
      if (d.size() != 2 * kPinField) throw_sw(Sw::wrong_length);
      const Bytes new_pin = unpad(d.subspan(kPinField));
      if (!pin_.conforms(new_pin)) throw_sw(Sw::incorrect_data);  // before spending a PUK try
      puk_.verify(ctx, unpad(d.first(kPinField)));
      pin_.reset(ctx, ByteView(new_pin));
    } else if (apdu.p1 == 0x01) {
      if (d.size() != kPinField) throw_sw(Sw::wrong_length);
      puk_.verify(ctx, unpad(d));
      pin_.reset(ctx, std::nullopt);
    } else {
      throw_sw(Sw::incorrect_p1p2);
    }
    puk_.invalidate(ctx);
    return {};
  }

  ResponseApdu get_challenge(const CommandApdu& apdu, AppletContext& ctx) const {
    if (apdu.p1 != 0 || apdu.p2 != 0) throw_sw(Sw::incorrect_p1p2);
    if (!apdu.data.empty() || apdu.ne == 0 || apdu.ne > 256) throw_sw(Sw::wrong_length);
    return {ctx.random(apdu.ne), 0x9000};
  }

  // 80 10: increment and return the 4-byte counter; 80 11: return it.
  ResponseApdu counter(const CommandApdu& apdu, AppletContext& ctx) const {
    if (apdu.p1 != 0 || apdu.p2 != 0) throw_sw(Sw::incorrect_p1p2);
    if (!apdu.data.empty()) throw_sw(Sw::wrong_length);
    auto& p = ctx.persistent();
    std::uint32_t v = 0;
    if (auto rec = p.get(kCounterKey); rec && rec->size() == 4) v = ByteReader(rec->view(), "counter").u32();
    if (apdu.ins == 0x10) {
      if (v == 0xFFFFFFFFu) throw_sw(Sw::conditions_not_satisfied);
      ++v;
    }
    Bytes out;
    put_u32(out, v);
    if (apdu.ins == 0x10) p.put(kCounterKey, ByteView(out));
    return {out, 0x9000};
  }

  card::PinObject pin_;
  card::PinObject puk_;
  card::FileSystem fs_;
};

}  // namespace

card::AppletModule module() {
  return {.name = kModuleName,
          .load_file_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 0x00, 0x01},
          .module_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 0x00, 0x01, 0x01},
          .default_instance_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 0x01},
          .multi_selectable = false,
          .factory = [] { return make_demo_applet(); }};
}

std::unique_ptr<card::Applet> make_demo_applet() { return std::make_unique<DemoApplet>(); }

}  // namespace sesame::applets::demo
