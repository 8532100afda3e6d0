// Dispatch and the unit life-cycle commands: GET CHALLENGE, CREATE UNIT, ACTIVATE, AUTHENTICATE,
// UNBLOCK, the provider's AUTHENTICATE and UNBLOCK, DELETE UNIT, GET UNIT INFO, LOGOUT.
// Key and data object commands: wsca_key_commands.cpp.
#include "applets/wsca/wsca_applet.h"

#include <algorithm>
#include <chrono>

#include "applets/wsca/wsca_records.h"
#include "applets/wsca/wsca_session.h"
#include "card/pin.h"
#include "crypto/aes_gcm.h"
#include "crypto/ecdh_envelope.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "iso7816/status_word.h"
#include "util/error.h"

namespace sesame::applets::wsca {
namespace {

using card::AppletContext;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;

constexpr const char* kProviderKey = "provider_key";
constexpr const char* kNoPinDelays = "no_pin_delays";  // install parameter 82 = 00
constexpr std::size_t kP256Point = 65;
constexpr card::PinPolicy kPinPolicy{
    .min_length = kMinPinLength, .max_length = 16, .digits_only = true, .try_limit = 5};
constexpr card::PinPolicy kPukPolicy{.min_length = 8, .max_length = 16, .digits_only = true, .try_limit = 5};

card::PinObject pin_of(std::uint32_t unit) {
  return card::PinObject(pin_name(unit), kPinPolicy);
}
card::PinObject puk_of(std::uint32_t unit) {
  return card::PinObject(puk_name(unit), kPukPolicy);
}

// A P-256 public key from the command (6A80 when it is not a valid uncompressed point).
crypto::EcPublicKey p256_key(ByteView point) {
  if (point.size() != kP256Point || point[0] != 0x04) throw_sw(Sw::incorrect_data);
  try {
    return crypto::EcPublicKey::from_point(crypto::Curve::p256, point);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
}

// One-time: the challenge is gone after this call, whatever the outcome.
Bytes take_challenge(Bytes& slot) {
  Bytes c = std::move(slot);
  slot.clear();
  if (c.size() != kChallengeSize) throw_sw(Sw::conditions_not_satisfied);
  return c;
}

// The signature object must verify under `key` over the challenge and the rest of the command;
// 6982 otherwise. Nothing is counted before this check passes.
void check_signature(const CommandApdu& apdu, const Fields& f, const crypto::EcPublicKey& key,
                     ByteView challenge) {
  const ByteView sig = f.require(tag::signature, 64);
  const Bytes input = auth_signing_input(static_cast<Ins>(apdu.ins), challenge, f.signed_part());
  if (!crypto::ecdsa_verify(key, crypto::SignatureHash::sha256, input, sig, crypto::EcdsaFormat::raw))
    throw_sw(Sw::security_status_not_satisfied);
}

// Opens the PIN envelope of the command (6A80 if it does not open: malformed or altered; such a
// request is refused without counting a try) and returns its TLV content.
std::vector<Tlv> open_envelope(AppletContext& ctx, const CommandApdu& apdu, const Fields& f,
                               std::uint32_t unit, ByteView challenge) {
  const ByteView env = f.require(tag::envelope);
  if (env.size() < crypto::kGcmIvSize + crypto::kGcmTagSize) throw_sw(Sw::incorrect_data);
  crypto::EcdhEnvelope e;
  const ByteView eph = f.require(tag::ephemeral_key);
  e.ephemeral_point.assign(eph.begin(), eph.end());
  e.iv.assign(env.begin(), env.begin() + crypto::kGcmIvSize);
  e.box.assign(env.begin() + crypto::kGcmIvSize, env.end());
  SecureBytes plain;
  try {
    plain = crypto::ecdh_envelope_open(ka_key(ctx.persistent(), unit), e, challenge, as_bytes(kEnvelopeInfo),
                                       envelope_aad(static_cast<Ins>(apdu.ins), unit));
    return parse_tlv(plain.view());
  } catch (const Error& err) {
    if (err.code() == Errc::integrity) throw;
    throw_sw(Sw::incorrect_data);
  }
}

ByteView envelope_item(const std::vector<Tlv>& items, std::uint32_t t) {
  const Tlv* it = find_tlv(items, t);
  if (!it) throw_sw(Sw::incorrect_data);
  return it->value();
}

// Escalating delays (docs/WSCA.md): after the n-th consecutive wrong PIN the next attempt waits
// pin_delay_after(n) seconds of the card runtime's clock. The end of the delay is a durable record
// ("pin.delay_until", seconds since the epoch), written with put_now together with the try counter.
std::string delay_record(std::uint32_t unit) {
  return unit_prefix(unit) + "pin.delay_until";
}

std::int64_t epoch_seconds(AppletContext& ctx) {
  return std::chrono::duration_cast<std::chrono::seconds>(ctx.now().time_since_epoch()).count();
}

std::uint32_t pin_delay_left(AppletContext& ctx, std::uint32_t unit) {
  const SecureBytes* rec = ctx.persistent().view(delay_record(unit));
  if (!rec || rec->size() != 8) return 0;
  const auto until = static_cast<std::int64_t>(get_u64(rec->view()));
  const std::int64_t now = epoch_seconds(ctx);
  return until > now ? static_cast<std::uint32_t>(std::min<std::int64_t>(until - now, 0xFFFFFFFF)) : 0;
}

// VERIFY of the unit's PIN, which on a wrong PIN also starts the delay the failure count calls for.
void verify_pin(AppletContext& ctx, std::uint32_t unit, ByteView pin) {
  try {
    pin_of(unit).verify(ctx, pin);
  } catch (const iso7816::SwError& e) {
    if ((e.sw() & 0xFFF0) == 0x63C0 && !ctx.persistent().contains(kNoPinDelays)) {
      const unsigned failures = kPinPolicy.try_limit - (e.sw() & 0x0F);
      if (const std::uint32_t d = pin_delay_after(failures); d > 0) {
        SecureBytes until;
        put_u64(until, static_cast<std::uint64_t>(epoch_seconds(ctx) + d));
        ctx.persistent().put_now(delay_record(unit), std::move(until));
      }
    }
    throw;
  }
  if (ctx.persistent().contains(delay_record(unit))) ctx.persistent().erase(delay_record(unit));
}

void mark_authenticated(AppletContext& ctx, std::uint32_t unit, ByteView bound = {}) {
  auto& s = ctx.session<WscaSession>().units[unit];
  s.authenticated_at = ctx.now();
  s.fresh = true;
  s.bound.assign(bound.begin(), bound.end());
}

// The commands that need the user's authentication (an operation binding can name only these).
bool needs_user(std::uint8_t ins) {
  switch (static_cast<Ins>(ins)) {
    case Ins::generate_key:
    case Ins::sign:
    case Ins::ecdh:
    case Ins::delete_key:
    case Ins::put_data:
    case Ins::get_data:
    case Ins::delete_data:
    case Ins::delete_unit:
    case Ins::bind_keys: return true;
    default: return false;
  }
}

// When the unit's authentication is bound to one operation (D5), this command must be exactly
// that one (INS, P1, data), else the authentication ends here with 6982. Returns the unit whose
// bound authentication this command uses up (it ends with the command, whatever its outcome).
std::optional<std::uint32_t> use_binding(const CommandApdu& apdu, AppletContext& ctx) {
  if (!needs_user(apdu.ins)) return std::nullopt;
  const std::uint32_t unit = Fields(apdu.data).unit();
  auto& units = ctx.session<WscaSession>().units;
  const auto it = units.find(unit);
  if (it == units.end() || it->second.bound.empty()) return std::nullopt;
  const Bytes expected = operation_binding(apdu.ins, apdu.p1, crypto::sha256(apdu.data));
  if (!secure_equal(expected, it->second.bound)) {
    it->second.end_authentication();
    throw_sw(Sw::security_status_not_satisfied);
  }
  return unit;
}

class WscaApplet final : public card::Applet {
 public:
  // Install parameter '81': the wallet provider's P-256 public key (04||X||Y). With it, CREATE
  // UNIT and the provider's commands need PROVIDER AUTHENTICATE; without it CREATE UNIT is open
  // and there is no provider unblock.
  void install(AppletContext& ctx, ByteView params) override {
    std::vector<Tlv> items;
    try {
      items = parse_tlv(params);
    } catch (const Error&) {
      throw_sw(Sw::incorrect_data);
    }
    for (const auto& it : items) {
      if (it.tag() == 0x82) {  // 82 = 00: no escalating PIN delays (the local PKCS#11 store)
        if (it.value() != Bytes{0x00}) throw_sw(Sw::incorrect_data);
        ctx.persistent().put(kNoPinDelays, ByteView(it.value()));
        continue;
      }
      if (it.tag() != 0x81) throw_sw(Sw::incorrect_data);
      p256_key(it.value());
      ctx.persistent().put(kProviderKey, ByteView(it.value()));
    }
  }

  ResponseApdu process(const CommandApdu& apdu, AppletContext& ctx) override {
    if (ctx.selecting()) return card::default_select_response(apdu, ctx.instance_aid());
    if ((apdu.cla & 0x80) == 0) throw_sw(Sw::cla_not_supported);  // proprietary class, any channel
    const std::optional<std::uint32_t> bound_unit = use_binding(apdu, ctx);
    if (!bound_unit) return dispatch(apdu, ctx);
    try {
      ResponseApdu r = dispatch(apdu, ctx);
      ctx.session<WscaSession>().units[*bound_unit].end_authentication();
      return r;
    } catch (...) {
      ctx.session<WscaSession>().units[*bound_unit].end_authentication();
      throw;
    }
  }

 private:
  ResponseApdu dispatch(const CommandApdu& apdu, AppletContext& ctx) const {
    switch (static_cast<Ins>(apdu.ins)) {
      case Ins::get_challenge: return get_challenge(apdu, ctx);
      case Ins::create_unit: return create_unit_cmd(apdu, ctx);
      case Ins::activate: return activate(apdu, ctx);
      case Ins::authenticate: return authenticate(apdu, ctx);
      case Ins::unblock: return unblock(apdu, ctx);
      case Ins::provider_authenticate: return provider_authenticate(apdu, ctx);
      case Ins::provider_unblock: return provider_unblock(apdu, ctx);
      case Ins::delete_unit: return delete_unit(apdu, ctx);
      case Ins::get_unit_info: return get_unit_info(apdu, ctx);
      case Ins::logout: {
        check_p1p2(apdu);
        ctx.session<WscaSession>().forget_unit(Fields(apdu.data).unit());
        return {};
      }
      default: return process_key_command(apdu, ctx);
    }
  }

  static void check_p1p2(const CommandApdu& apdu) {
    if (apdu.p1 != 0 || apdu.p2 != 0) throw_sw(Sw::incorrect_p1p2);
  }

  static std::optional<crypto::EcPublicKey> provider_key(AppletContext& ctx) {
    const SecureBytes* k = ctx.persistent().view(kProviderKey);
    if (!k) return std::nullopt;
    return crypto::EcPublicKey::from_point(crypto::Curve::p256, k->view());
  }

  ResponseApdu get_challenge(const CommandApdu& apdu, AppletContext& ctx) const {
    check_p1p2(apdu);
    const Fields f(apdu.data);
    const ByteView id = f.require(tag::unit_id, 4);
    const std::uint32_t unit = get_u32(id);
    Bytes challenge = ctx.random(kChallengeSize);
    auto& s = ctx.session<WscaSession>();
    if (unit == kProviderUnit) {
      if (!provider_key(ctx)) throw_sw(Sw::conditions_not_satisfied);
      s.provider_challenge = challenge;
    } else {
      if (!unit_exists(ctx.persistent(), unit)) throw_sw(Sw::referenced_data_not_found);
      s.units[unit].challenge = challenge;
    }
    return {challenge, 0x9000};
  }

  ResponseApdu create_unit_cmd(const CommandApdu& apdu, AppletContext& ctx) const {
    check_p1p2(apdu);
    if (provider_key(ctx) && !ctx.session<WscaSession>().provider)
      throw_sw(Sw::security_status_not_satisfied);
    const Fields f(apdu.data);
    Bytes expected;
    if (const Tlv* dk = f.find(tag::device_key)) {
      p256_key(dk->value());
      expected = dk->value();
    }
    const card::PinObject puk = puk_of(0);
    const Tlv* puk_value = f.find(tag::puk);
    if (puk_value && !puk.conforms(puk_value->value())) throw_sw(Sw::incorrect_data);
    auto& p = ctx.persistent();
    const std::uint32_t unit = create_unit(p, expected);
    if (puk_value) puk_of(unit).set(p, puk_value->value());
    Bytes out;
    Bytes id;
    put_u32(id, unit);
    append_tlv(out, tag::unit_id, id);
    append_tlv(out, tag::ka_public_key, ka_key(p, unit).public_key().to_uncompressed_point());
    return {out, 0x9000};
  }

  ResponseApdu activate(const CommandApdu& apdu, AppletContext& ctx) const {
    check_p1p2(apdu);
    const Fields f(apdu.data);
    const std::uint32_t unit = f.unit();
    auto& p = ctx.persistent();
    if (!unit_exists(p, unit)) throw_sw(Sw::referenced_data_not_found);
    UnitMeta meta = read_meta(p, unit);
    const Bytes challenge = take_challenge(ctx.session<WscaSession>().units[unit].challenge);
    if (meta.state != UnitState::created) throw_sw(Sw::conditions_not_satisfied);
    const ByteView device = f.require(tag::device_key, kP256Point);
    if (!meta.expected_device_key.empty() && !secure_equal(device, meta.expected_device_key))
      throw_sw(Sw::security_status_not_satisfied);
    check_signature(apdu, f, p256_key(device), challenge);
    const auto items = open_envelope(ctx, apdu, f, unit, challenge);
    const ByteView pin = envelope_item(items, envelope_tag::pin);
    pin_of(unit).set(p, pin);  // 6A80 if not at least 6 digits
    meta.state = UnitState::active;
    meta.device_key.assign(device.begin(), device.end());
    write_meta(p, unit, meta);
    mark_authenticated(ctx, unit);
    return {};
  }

  // Device signature first (6982, nothing counted), then the PIN (counted before the comparison).
  ResponseApdu authenticate(const CommandApdu& apdu, AppletContext& ctx) const {
    check_p1p2(apdu);
    const Fields f(apdu.data);
    const std::uint32_t unit = f.unit();
    require_active_unit(ctx, unit);
    auto& s = ctx.session<WscaSession>();
    const Bytes challenge = take_challenge(s.units[unit].challenge);
    const UnitMeta meta = read_meta(ctx.persistent(), unit);
    const Tlv* op = f.find(tag::operation);  // optional: the one operation this authentication allows
    if (op && op->value().size() != kOperationBindingSize) throw_sw(Sw::incorrect_data);
    check_signature(apdu, f, p256_key(meta.device_key), challenge);
    s.units[unit].end_authentication();  // a device-signed attempt ends the previous authentication
    if (pin_delay_left(ctx, unit) > 0) throw_sw(kSwPinDelay);  // not counted
    const auto items = open_envelope(ctx, apdu, f, unit, challenge);
    verify_pin(ctx, unit, envelope_item(items, envelope_tag::pin));
    mark_authenticated(ctx, unit, op ? ByteView(op->value()) : ByteView{});
    return {};
  }

  // PUK || optional new PIN in the envelope, device-signed like AUTHENTICATE.
  ResponseApdu unblock(const CommandApdu& apdu, AppletContext& ctx) const {
    check_p1p2(apdu);
    const Fields f(apdu.data);
    const std::uint32_t unit = f.unit();
    require_active_unit(ctx, unit);
    const Bytes challenge = take_challenge(ctx.session<WscaSession>().units[unit].challenge);
    const card::PinObject puk = puk_of(unit), pin = pin_of(unit);
    if (!puk.is_set(ctx.persistent())) throw_sw(Sw::reference_data_not_usable);
    check_signature(apdu, f, p256_key(read_meta(ctx.persistent(), unit).device_key), challenge);
    const auto items = open_envelope(ctx, apdu, f, unit, challenge);
    const Tlv* new_pin = find_tlv(items, envelope_tag::new_pin);
    if (new_pin && !pin.conforms(new_pin->value())) throw_sw(Sw::incorrect_data);  // before a PUK try
    puk.verify(ctx, envelope_item(items, envelope_tag::puk));
    puk.invalidate(ctx);
    if (ctx.persistent().contains(delay_record(unit))) ctx.persistent().erase(delay_record(unit));
    if (new_pin)
      pin.reset(ctx, ByteView(new_pin->value()));
    else
      pin.reset(ctx, std::nullopt);
    return {};
  }

  ResponseApdu provider_authenticate(const CommandApdu& apdu, AppletContext& ctx) const {
    check_p1p2(apdu);
    auto& s = ctx.session<WscaSession>();
    s.provider = false;
    const auto key = provider_key(ctx);
    if (!key) throw_sw(Sw::conditions_not_satisfied);
    const Bytes challenge = take_challenge(s.provider_challenge);
    const Fields f(apdu.data);
    check_signature(apdu, f, *key, challenge);
    s.provider = true;
    return {};
  }

  ResponseApdu provider_unblock(const CommandApdu& apdu, AppletContext& ctx) const {
    check_p1p2(apdu);
    if (!ctx.session<WscaSession>().provider) throw_sw(Sw::security_status_not_satisfied);
    const std::uint32_t unit = Fields(apdu.data).unit();
    require_active_unit(ctx, unit);
    pin_of(unit).reset(ctx, std::nullopt);
    if (ctx.persistent().contains(delay_record(unit))) ctx.persistent().erase(delay_record(unit));
    return {};
  }

  // The unit's own user (authenticated now) or the provider. Every record goes, the kek with it.
  ResponseApdu delete_unit(const CommandApdu& apdu, AppletContext& ctx) const {
    check_p1p2(apdu);
    const std::uint32_t unit = Fields(apdu.data).unit();
    auto& p = ctx.persistent();
    if (!unit_exists(p, unit)) throw_sw(Sw::referenced_data_not_found);
    if (!ctx.session<WscaSession>().provider) require_user_auth(ctx, unit, kDefaultWindow);
    erase_unit(p, unit);
    ctx.session<WscaSession>().forget_unit(unit);
    return {};
  }

  ResponseApdu get_unit_info(const CommandApdu& apdu, AppletContext& ctx) const {
    check_p1p2(apdu);
    const std::uint32_t unit = Fields(apdu.data).unit();
    auto& p = ctx.persistent();
    if (!unit_exists(p, unit)) throw_sw(Sw::referenced_data_not_found);
    const UnitMeta meta = read_meta(p, unit);
    Bytes body, id;
    put_u32(id, unit);
    append_tlv(body, tag::unit_id, id);
    append_tlv(body, tag::unit_state, Bytes{static_cast<std::uint8_t>(meta.state)});
    append_tlv(body, tag::ka_public_key, ka_key(p, unit).public_key().to_uncompressed_point());
    if (!meta.device_key.empty()) append_tlv(body, tag::device_key, meta.device_key);
    if (pin_of(unit).is_set(p)) append_tlv(body, tag::pin_tries, Bytes{pin_of(unit).tries_left(p)});
    if (puk_of(unit).is_set(p)) append_tlv(body, tag::puk_tries, Bytes{puk_of(unit).tries_left(p)});
    if (const std::uint32_t left = pin_delay_left(ctx, unit); left > 0) {
      Bytes l;
      put_u32(l, left);
      append_tlv(body, tag::pin_delay, l);
    }
    return {tlv_encode(tag::unit_template, body), 0x9000};
  }
};

}  // namespace

Fields::Fields(ByteView data) {
  try {
    items_ = parse_tlv(data, TlvMode::strict);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
  for (std::size_t i = 0; i < items_.size(); ++i)
    for (std::size_t j = i + 1; j < items_.size(); ++j)
      if (items_[i].tag() == items_[j].tag()) throw_sw(Sw::incorrect_data);
  signed_part_ = data;
  if (!items_.empty() && items_.back().tag() == tag::signature)
    signed_part_ = data.first(data.size() - items_.back().encode().size());
  else if (find(tag::signature))
    throw_sw(Sw::incorrect_data);  // the signature must be the last object
}

ByteView Fields::require(std::uint32_t t, std::size_t size) const {
  const Tlv* it = find(t);
  if (!it || it->value().empty() || (size != 0 && it->value().size() != size)) throw_sw(Sw::incorrect_data);
  return it->value();
}

std::uint32_t Fields::u32(std::uint32_t t) const {
  return get_u32(require(t, 4));
}

std::uint32_t Fields::unit() const {
  const std::uint32_t u = u32(tag::unit_id);
  if (u == kProviderUnit) throw_sw(Sw::incorrect_data);
  return u;
}

void require_active_unit(AppletContext& ctx, std::uint32_t unit) {
  if (!unit_exists(ctx.persistent(), unit)) throw_sw(Sw::referenced_data_not_found);
  if (read_meta(ctx.persistent(), unit).state != UnitState::active) throw_sw(Sw::conditions_not_satisfied);
}

void require_user_auth(AppletContext& ctx, std::uint32_t unit, std::uint16_t window) {
  auto& units = ctx.session<WscaSession>().units;
  const auto it = units.find(unit);
  if (it == units.end() || !it->second.authenticated_at) throw_sw(Sw::security_status_not_satisfied);
  const auto age = ctx.now() - *it->second.authenticated_at;
  if (age < std::chrono::seconds(0) || age > std::chrono::seconds(window))
    throw_sw(Sw::security_status_not_satisfied);
  // A blocked PIN (e.g. after a provider action) ends the authentication as well.
  if (pin_of(unit).blocked(ctx.persistent())) throw_sw(Sw::authentication_method_blocked);
}

card::AppletModule module() {
  return {.name = kModuleName,
          .load_file_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 0x00, 0x02},
          .module_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 0x00, 0x02, 0x01},
          .default_instance_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 0x02},
          .multi_selectable = true,
          .factory = [] { return make_wsca_applet(); }};
}

std::unique_ptr<card::Applet> make_wsca_applet() {
  return std::make_unique<WscaApplet>();
}

}  // namespace sesame::applets::wsca
