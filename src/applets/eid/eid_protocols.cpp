#include "applets/eid/eid_protocols.h"

#include <algorithm>

#include "applets/eid/eid_applet.h"
#include "crypto/ec_key.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::applets::eid {
namespace {

namespace pace = iso7816::pace;
using card::AppletContext;
using crypto::EcKeyPairOnGenerator;
using crypto::EcPoint;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;

std::vector<Tlv> parse_or_6a80(ByteView data) {
  try {
    return parse_tlv(data);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
}

// The children of the dynamic authentication data object '7C' (the whole data field).
std::vector<Tlv> dynamic_authentication_data(ByteView data) {
  try {
    const Tlv t = parse_one(data);
    if (t.tag() != 0x7C) throw_sw(Sw::incorrect_data);
    return t.children();
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
}

// The single child `tag` of '7C', or 6A80.
const Tlv& only_child(const std::vector<Tlv>& children, std::uint32_t tag) {
  if (children.size() != 1 || children[0].tag() != tag) throw_sw(Sw::incorrect_data);
  return children[0];
}

EcPoint point_or_6a80(crypto::Curve c, ByteView encoded) {
  if (encoded.empty() || encoded[0] != 0x04) throw_sw(Sw::incorrect_data);  // uncompressed only
  try {
    return EcPoint::from_encoded(c, encoded);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
}

ResponseApdu answer(std::uint32_t tag, ByteView value) {
  return {tlv_encode(0x7C, tlv_encode(tag, value)), 0x9000};
}

const char* tries_key(PasswordRef ref) {
  return ref == PasswordRef::pin ? kRecPinTries : kRecPukTries;
}
bool counted(PasswordRef ref) {
  return ref == PasswordRef::pin || ref == PasswordRef::puk;
}

// f(π) for the password (ICAO 9303-11 §9.7.3; TR-03110-2 §3.2): the characters of CAN/PIN/PUK,
// SHA-1 of the MRZ information (stored as such at install).
SecureBytes password(const card::Persistent& p, PasswordRef ref) {
  const char* key = ref == PasswordRef::pin   ? kRecPin
                    : ref == PasswordRef::puk ? kRecPuk
                    : ref == PasswordRef::can ? kRecCan
                                              : kRecMrz;
  auto v = p.get(key);
  if (!v) throw_sw(Sw::referenced_data_not_found);
  return std::move(*v);
}

ResponseApdu pace_step_nonce(const std::vector<Tlv>& d, AppletContext& ctx, EidSession& s, PaceRun& run) {
  if (!d.empty()) throw_sw(Sw::incorrect_data);
  const card::Persistent& p = ctx.persistent();
  if (counted(run.ref)) {
    const std::uint8_t left = tries_left(p, tries_key(run.ref));
    if (left == 0) throw_sw(Sw::authentication_method_blocked);
    // TR-03110-2 §3.5.1: a suspended PIN (one try left) is used only after a PACE with the CAN.
    if (run.ref == PasswordRef::pin && left == 1 && !s.can_verified)
      throw_sw(Sw::security_status_not_satisfied);
  }
  const SecureBytes k_pi = pace::password_key(password(p, run.ref).view(), run.key_length);
  run.nonce = SecureBytes(ctx.random(16));
  run.step = 1;
  return answer(0x80, pace::encrypt_nonce(k_pi.view(), run.nonce.view()));
}

ResponseApdu pace_step_map(const std::vector<Tlv>& d, PaceRun& run) {
  const EcPoint pcd_map = point_or_6a80(run.curve, only_child(d, 0x81).value());
  const auto own = EcKeyPairOnGenerator::generate(EcPoint::generator(run.curve));
  try {
    run.mapped_generator = pace::map_generator(run.nonce.view(), own.agree_point(pcd_map));
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);  // H or G' at infinity: a hostile mapping key
  }
  run.pcd_mapping_key = pcd_map;
  run.nonce.clear();
  run.step = 2;
  return answer(0x82, own.public_point().to_uncompressed());
}

ResponseApdu pace_step_agree(const std::vector<Tlv>& d, PaceRun& run) {
  const EcPoint pcd_eph = point_or_6a80(run.curve, only_child(d, 0x83).value());
  // TR-03110-2 §3.2.3: the terminal's ephemeral key must differ from its mapping key.
  if (pcd_eph == *run.pcd_mapping_key) throw_sw(Sw::incorrect_data);
  run.ephemeral = EcKeyPairOnGenerator::generate(*run.mapped_generator);
  SecureBytes k;
  try {
    k = run.ephemeral->agree(pcd_eph);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
  run.keys = pace::session_keys(k.view(), run.key_length);
  run.pcd_ephemeral = pcd_eph;
  run.step = 3;
  return answer(0x84, run.ephemeral->public_point().to_uncompressed());
}

ResponseApdu pace_step_tokens(const std::vector<Tlv>& d, AppletContext& ctx, EidSession& s, PaceRun run) {
  const Tlv& t = only_child(d, 0x85);
  card::Persistent& p = ctx.persistent();
  std::uint8_t left = 0;
  if (counted(run.ref)) {
    // Anti-tearing: the decremented counter is durable before the token is compared.
    left = tries_left(p, tries_key(run.ref));
    if (left == 0) throw_sw(Sw::authentication_method_blocked);
    --left;
    p.put_now(tries_key(run.ref), SecureBytes{left});
  }
  const Bytes expected =
      pace::authentication_token(run.keys->k_mac.view(), run.oid, run.ephemeral->public_point());
  if (!secure_equal(expected, t.value())) {
    s.end_after_response = true;
    if (counted(run.ref)) return {{}, iso7816::sw_tries_left(left)};
    return {{}, iso7816::sw_value(Sw::warning_verification_failed)};
  }
  if (counted(run.ref)) {
    const std::uint8_t limit = run.ref == PasswordRef::pin ? kPinTries : kPukTries;
    p.put_now(tries_key(run.ref), SecureBytes{limit});
  }
  const Bytes token = pace::authentication_token(run.keys->k_mac.view(), run.oid, *run.pcd_ephemeral);
  s.next_sm.emplace(std::move(run.keys->k_enc), std::move(run.keys->k_mac));
  s.pace_password = run.ref;
  s.can_verified = run.ref == PasswordRef::can;
  s.ca_key_length.reset();
  s.ca_done = false;
  s.ca_spent = false;
  return answer(0x86, token);
}

// Chip Authentication v1 (ICAO 9303-11 §6.2): K = x(SK_CA · PK_eph,PCD), new SM keys, SSC 0.
void chip_authentication(AppletContext& ctx, EidSession& s, std::size_t key_length, ByteView pcd_key) {
  const crypto::Curve c = card_curve(ctx.persistent());
  const EcPoint peer = point_or_6a80(c, pcd_key);
  const auto stored = ctx.persistent().get(kRecCaKey);
  if (!stored) throw_sw(Sw::reference_data_not_usable);
  const auto own = crypto::EcPrivateKey::from_scalar(c, *stored);
  const SecureBytes k = crypto::ecdh(own, crypto::EcPublicKey::from_point(peer));
  pace::SessionKeys keys = pace::session_keys(k.view(), key_length);
  s.next_sm.emplace(std::move(keys.k_enc), std::move(keys.k_mac));
  s.ca_done = true;
  s.ca_spent = true;
  s.ca_key_length.reset();
}

void require_ca_allowed(const EidSession& s) {
  // After a PACE (not with the PUK), once per PACE.
  if (!s.sm || !s.pace_password || *s.pace_password == PasswordRef::puk || s.ca_spent)
    throw_sw(Sw::conditions_not_satisfied);
}

}  // namespace

crypto::Curve card_curve(const card::Persistent& p) {
  const auto id = p.get(kRecCurve);
  if (!id || id->size() != 1) throw_sw(Sw::reference_data_not_usable);
  const auto c = crypto::curve_from_standardized_id(id->data()[0]);
  if (!c) throw_sw(Sw::reference_data_not_usable);
  return *c;
}

std::uint8_t tries_left(const card::Persistent& p, const char* key) {
  const auto t = p.get(key);
  return t && t->size() == 1 ? t->data()[0] : 0;
}

ResponseApdu mse_set_at_pace(const CommandApdu& apdu, AppletContext& ctx, EidSession& s) {
  PaceRun run;
  run.curve = card_curve(ctx.persistent());
  bool have_ref = false;
  for (const Tlv& t : parse_or_6a80(apdu.data)) {
    switch (t.tag()) {
      case 0x80: {
        const auto n = pace::pace_ecdh_gm_key_length(t.value());
        if (!n) throw_sw(Sw::incorrect_data);
        run.oid = t.value();
        run.key_length = *n;
        break;
      }
      case 0x83:
        if (t.value().size() != 1 || t.value()[0] < 1 || t.value()[0] > 4)
          throw_sw(Sw::referenced_data_not_found);
        run.ref = static_cast<PasswordRef>(t.value()[0]);
        have_ref = true;
        break;
      case 0x84:
        if (t.value().size() != 1 || pace::standardized_id(run.curve) != int{t.value()[0]})
          throw_sw(Sw::incorrect_data);
        break;
      case 0x7F4C:  // CHAT (Terminal Authentication is not offered: accepted and ignored)
        break;
      default: throw_sw(Sw::incorrect_data);
    }
  }
  if (run.oid.empty() || !have_ref) throw_sw(Sw::incorrect_data);
  password(ctx.persistent(), run.ref);  // 6A88 when this card has no such password
  s.pace = std::move(run);
  if (s.pace->ref == PasswordRef::pin) {
    const std::uint8_t left = tries_left(ctx.persistent(), kRecPinTries);
    if (left < kPinTries) return {{}, iso7816::sw_tries_left(left)};
  } else if (s.pace->ref == PasswordRef::puk && tries_left(ctx.persistent(), kRecPukTries) == 0) {
    return {{}, iso7816::sw_tries_left(0)};
  }
  return {};
}

ResponseApdu mse_chip_authentication(const CommandApdu& apdu, AppletContext& ctx, EidSession& s) {
  require_ca_allowed(s);
  std::optional<std::size_t> key_length;
  const Tlv* ephemeral = nullptr;
  const auto items = parse_or_6a80(apdu.data);
  for (const Tlv& t : items) {
    switch (t.tag()) {
      case 0x80:
        key_length = pace::ca_ecdh_key_length(t.value());
        if (!key_length) throw_sw(Sw::incorrect_data);
        break;
      case 0x91: ephemeral = &t; break;
      case 0x84:  // key reference: the card has one CA key and no key IDs
      default: throw_sw(Sw::referenced_data_not_found);
    }
  }
  if (apdu.p2 == 0xA6) {  // Set KAT: '91' ephemeral key, CA done now (AES-128 keys)
    if (!ephemeral || key_length) throw_sw(Sw::incorrect_data);
    chip_authentication(ctx, s, 16, ephemeral->value());
    return {};
  }
  if (!key_length || ephemeral) throw_sw(Sw::incorrect_data);
  s.ca_key_length = key_length;
  return {};
}

ResponseApdu general_authenticate(const CommandApdu& apdu, AppletContext& ctx, EidSession& s) {
  if (apdu.p1 != 0 || apdu.p2 != 0) throw_sw(Sw::incorrect_p1p2);
  const std::vector<Tlv> d = dynamic_authentication_data(apdu.data);
  if (s.pace) {
    PaceRun& run = *s.pace;
    // Steps 1-3 are sent with the chaining bit, the last without (TR-03110-3 §B.11.2).
    if (apdu.chained() != (run.step < 3)) {
      s.pace.reset();
      throw_sw(Sw::conditions_not_satisfied);
    }
    try {
      switch (run.step) {
        case 0: return pace_step_nonce(d, ctx, s, run);
        case 1: return pace_step_map(d, run);
        case 2: return pace_step_agree(d, run);
        default: {
          PaceRun done = std::move(run);
          s.pace.reset();
          return pace_step_tokens(d, ctx, s, std::move(done));
        }
      }
    } catch (const iso7816::SwError&) {
      s.pace.reset();  // any failure ends the run: the terminal starts again with MSE:Set AT
      throw;
    }
  }
  if (s.ca_key_length && !apdu.chained()) {
    require_ca_allowed(s);
    chip_authentication(ctx, s, *s.ca_key_length, only_child(d, 0x80).value());
    return {tlv_encode(0x7C, {}), 0x9000};
  }
  throw_sw(Sw::conditions_not_satisfied);
}

}  // namespace sesame::applets::eid
