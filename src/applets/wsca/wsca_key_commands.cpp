// The WSCA key and data object commands: GENERATE KEY, SIGN, ECDH, GET KEY INFO, LIST KEYS,
// DELETE KEY, PUT / GET / DELETE DATA. Every one names its unit (C0) and reaches only that unit's
// records: a key id is looked up under the unit's own prefix, never globally.
#include "applets/wsca/wsca_records.h"
#include "applets/wsca/wsca_session.h"
#include "crypto/ecdsa.h"
#include "iso7816/status_word.h"
#include "util/error.h"

namespace sesame::applets::wsca {
namespace {

using card::AppletContext;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;

constexpr std::size_t kMaxDigest = 64;

void check_p1p2(const CommandApdu& apdu) {
  if (apdu.p1 != 0 || apdu.p2 != 0) throw_sw(Sw::incorrect_p1p2);
}

Bytes u32_bytes(std::uint32_t v) {
  Bytes b;
  put_u32(b, v);
  return b;
}

Bytes key_template(std::uint32_t key_id, const KeyInfo& info) {
  Bytes body;
  append_tlv(body, tag::key_id, u32_bytes(key_id));
  append_tlv(body, tag::curve, Bytes{curve_code(info.curve)});
  append_tlv(body, tag::policy, Bytes{static_cast<std::uint8_t>(info.policy)});
  Bytes w;
  put_u16(w, info.window);
  append_tlv(body, tag::window, w);
  append_tlv(body, tag::public_key, info.public_point);
  append_tlv(body, tag::key_flags, Bytes{static_cast<std::uint8_t>(kFlagLocal | kFlagNeverExtractable)});
  if (!info.label.empty()) append_tlv(body, tag::label, info.label);
  return tlv_encode(tag::key_template, body);
}

KeyInfo key_info_or_6a88(AppletContext& ctx, std::uint32_t unit, std::uint32_t key_id) {
  auto info = read_key_info(ctx.persistent(), unit, key_id);
  if (!info) throw_sw(Sw::referenced_data_not_found);
  return *info;
}

// The key's policy decides: a session key needs an authentication younger than its window; a
// per-use key consumes the authentication (the next use needs a new AUTHENTICATE).
void authorize_use(AppletContext& ctx, std::uint32_t unit, const KeyInfo& info) {
  require_user_auth(ctx, unit, info.window);
  if (info.policy == KeyPolicy::per_use) {
    auto& s = ctx.session<WscaSession>().units[unit];
    if (!s.fresh) throw_sw(Sw::security_status_not_satisfied);
    s.fresh = false;
  }
}

// The unwrapped key, decoded once per session and then reused.
std::shared_ptr<const crypto::EcPrivateKey> private_key(AppletContext& ctx, std::uint32_t unit,
                                                        std::uint32_t key_id) {
  auto& cache = ctx.session<WscaSession>().keys;
  const auto k = std::make_pair(unit, key_id);
  if (auto it = cache.find(k); it != cache.end()) return it->second;
  auto key = std::make_shared<const crypto::EcPrivateKey>(unwrap_key(ctx.persistent(), unit, key_id));
  cache.emplace(k, key);
  return key;
}

ResponseApdu generate_key(const CommandApdu& apdu, AppletContext& ctx) {
  check_p1p2(apdu);
  const Fields f(apdu.data);
  const std::uint32_t unit = f.unit();
  require_active_unit(ctx, unit);
  require_user_auth(ctx, unit, kDefaultWindow);
  crypto::Curve curve = crypto::Curve::p256;
  if (f.find(tag::curve)) {
    const auto c = curve_from_code(f.require(tag::curve, 1)[0]);
    if (!c) throw_sw(Sw::incorrect_data);
    curve = *c;
  }
  KeyPolicy policy = KeyPolicy::session;
  if (f.find(tag::policy)) {
    const std::uint8_t v = f.require(tag::policy, 1)[0];
    if (v != static_cast<std::uint8_t>(KeyPolicy::session) &&
        v != static_cast<std::uint8_t>(KeyPolicy::per_use))
      throw_sw(Sw::incorrect_data);
    policy = static_cast<KeyPolicy>(v);
  }
  std::uint16_t window = kDefaultWindow;
  if (f.find(tag::window)) {
    window = get_u16(f.require(tag::window, 2));
    if (window == 0) throw_sw(Sw::incorrect_data);
  }
  Bytes label;
  if (const Tlv* l = f.find(tag::label)) {
    if (l->value().size() > kMaxLabel) throw_sw(Sw::incorrect_data);
    label = l->value();
  }
  const auto key = crypto::EcPrivateKey::generate(curve);
  const std::uint32_t key_id = store_key(ctx.persistent(), unit, key, policy, window, label);
  ctx.session<WscaSession>().keys.emplace(std::make_pair(unit, key_id),
                                          std::make_shared<const crypto::EcPrivateKey>(key));
  return {key_template(key_id, key_info_or_6a88(ctx, unit, key_id)), 0x9000};
}

// P1: 00 raw r||s, 01 DER. The caller hashes; the digest is 1..64 bytes (FIPS 186-4 truncation).
ResponseApdu sign(const CommandApdu& apdu, AppletContext& ctx) {
  if ((apdu.p1 != kSignRaw && apdu.p1 != kSignDer) || apdu.p2 != 0) throw_sw(Sw::incorrect_p1p2);
  const Fields f(apdu.data);
  const std::uint32_t unit = f.unit();
  const std::uint32_t key_id = f.u32(tag::key_id);
  const ByteView digest = f.require(tag::digest);
  if (digest.size() > kMaxDigest) throw_sw(Sw::incorrect_data);
  require_active_unit(ctx, unit);
  const KeyInfo info = key_info_or_6a88(ctx, unit, key_id);
  authorize_use(ctx, unit, info);
  const auto key = private_key(ctx, unit, key_id);
  const auto format = apdu.p1 == kSignDer ? crypto::EcdsaFormat::der : crypto::EcdsaFormat::raw;
  return {crypto::ecdsa_sign_digest(*key, digest, format), 0x9000};
}

// The shared secret (x-coordinate of d·Q) goes back to the caller, as PKCS#11 ECDH1_DERIVE needs.
ResponseApdu ecdh_cmd(const CommandApdu& apdu, AppletContext& ctx) {
  check_p1p2(apdu);
  const Fields f(apdu.data);
  const std::uint32_t unit = f.unit();
  const std::uint32_t key_id = f.u32(tag::key_id);
  const ByteView peer_point = f.require(tag::peer_point);
  require_active_unit(ctx, unit);
  const KeyInfo info = key_info_or_6a88(ctx, unit, key_id);
  std::optional<crypto::EcPublicKey> peer;
  try {
    peer = crypto::EcPublicKey::from_point(info.curve, peer_point);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
  authorize_use(ctx, unit, info);
  const auto key = private_key(ctx, unit, key_id);
  return {crypto::ecdh(*key, *peer).reveal(), 0x9000};
}

ResponseApdu get_key_info(const CommandApdu& apdu, AppletContext& ctx) {
  check_p1p2(apdu);
  const Fields f(apdu.data);
  const std::uint32_t unit = f.unit();
  const std::uint32_t key_id = f.u32(tag::key_id);
  require_active_unit(ctx, unit);
  return {key_template(key_id, key_info_or_6a88(ctx, unit, key_id)), 0x9000};
}

ResponseApdu list_keys(const CommandApdu& apdu, AppletContext& ctx) {
  check_p1p2(apdu);
  const std::uint32_t unit = Fields(apdu.data).unit();
  require_active_unit(ctx, unit);
  Bytes out;
  for (std::uint32_t id : key_ids(ctx.persistent(), unit)) append_tlv(out, tag::key_id, u32_bytes(id));
  return {out, 0x9000};
}

ResponseApdu delete_key(const CommandApdu& apdu, AppletContext& ctx) {
  check_p1p2(apdu);
  const Fields f(apdu.data);
  const std::uint32_t unit = f.unit();
  const std::uint32_t key_id = f.u32(tag::key_id);
  require_active_unit(ctx, unit);
  require_user_auth(ctx, unit, kDefaultWindow);
  if (!erase_key(ctx.persistent(), unit, key_id)) throw_sw(Sw::referenced_data_not_found);
  ctx.session<WscaSession>().keys.erase(std::make_pair(unit, key_id));
  return {};
}

// BIND KEYS: every named key of the unit signs one transcript (the nonce and all the keys), so a
// verifier sees that the same WSCA unit holds all of them. Each key under its own policy; at most
// one authentication is consumed (per-use keys).
ResponseApdu bind_keys(const CommandApdu& apdu, AppletContext& ctx) {
  check_p1p2(apdu);
  const Fields f(apdu.data);
  const std::uint32_t unit = f.unit();
  const ByteView nonce = f.require(tag::nonce);
  const ByteView ids = f.require(tag::key_ids);
  if (nonce.size() > kMaxBindingNonce || ids.size() % 4 != 0 || ids.size() / 4 > kMaxBoundKeys)
    throw_sw(Sw::incorrect_data);
  require_active_unit(ctx, unit);
  Bytes transcript(as_bytes(kBindingContext).begin(), as_bytes(kBindingContext).end());
  put_u32(transcript, unit);
  transcript.push_back(static_cast<std::uint8_t>(nonce.size()));
  append(transcript, nonce);
  transcript.push_back(static_cast<std::uint8_t>(ids.size() / 4));
  std::vector<std::pair<std::uint32_t, KeyInfo>> keys;
  bool per_use = false;
  for (std::size_t i = 0; i < ids.size(); i += 4) {
    const std::uint32_t key_id = get_u32(ids.subspan(i, 4));
    for (const auto& k : keys)
      if (k.first == key_id) throw_sw(Sw::incorrect_data);  // each key once
    KeyInfo info = key_info_or_6a88(ctx, unit, key_id);
    require_user_auth(ctx, unit, info.window);
    per_use = per_use || info.policy == KeyPolicy::per_use;
    put_u32(transcript, key_id);
    transcript.push_back(curve_code(info.curve));
    transcript.push_back(static_cast<std::uint8_t>(info.public_point.size()));
    append(transcript, info.public_point);
    keys.emplace_back(key_id, std::move(info));
  }
  if (per_use) {
    auto& s = ctx.session<WscaSession>().units[unit];
    if (!s.fresh) throw_sw(Sw::security_status_not_satisfied);
    s.fresh = false;
  }
  Bytes out = tlv_encode(tag::transcript, transcript);
  for (const auto& [key_id, info] : keys) {
    const auto hash = info.curve == crypto::Curve::p384 ? crypto::SignatureHash::sha384 : crypto::SignatureHash::sha256;
    append_tlv(out, tag::key_proof,
               crypto::ecdsa_sign(*private_key(ctx, unit, key_id), hash, transcript, crypto::EcdsaFormat::raw));
  }
  return {out, 0x9000};
}

ResponseApdu data_object(const CommandApdu& apdu, AppletContext& ctx) {
  check_p1p2(apdu);
  const Fields f(apdu.data);
  const std::uint32_t unit = f.unit();
  const std::uint16_t object_id = get_u16(f.require(tag::object_id, 2));
  require_active_unit(ctx, unit);
  require_user_auth(ctx, unit, kDefaultWindow);
  auto& p = ctx.persistent();
  switch (static_cast<Ins>(apdu.ins)) {
    case Ins::put_data: {
      const Tlv* v = f.find(tag::object_value);
      if (!v || v->value().size() > kMaxDataObject) throw_sw(Sw::incorrect_data);
      put_data(p, unit, object_id, v->value());
      return {};
    }
    case Ins::get_data: {
      auto v = get_data(p, unit, object_id);
      if (!v) throw_sw(Sw::referenced_data_not_found);
      return {v->reveal(), 0x9000};
    }
    case Ins::delete_data:
      if (!erase_data(p, unit, object_id)) throw_sw(Sw::referenced_data_not_found);
      return {};
    default: throw_sw(Sw::ins_not_supported);
  }
}

}  // namespace

ResponseApdu process_key_command(const CommandApdu& apdu, AppletContext& ctx) {
  switch (static_cast<Ins>(apdu.ins)) {
    case Ins::generate_key: return generate_key(apdu, ctx);
    case Ins::sign: return sign(apdu, ctx);
    case Ins::ecdh: return ecdh_cmd(apdu, ctx);
    case Ins::get_key_info: return get_key_info(apdu, ctx);
    case Ins::list_keys: return list_keys(apdu, ctx);
    case Ins::delete_key: return delete_key(apdu, ctx);
    case Ins::put_data:
    case Ins::get_data:
    case Ins::delete_data: return data_object(apdu, ctx);
    case Ins::bind_keys: return bind_keys(apdu, ctx);
    default: throw_sw(Sw::ins_not_supported);
  }
}

}  // namespace sesame::applets::wsca
