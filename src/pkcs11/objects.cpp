// Token objects (a unit's keys, each a public and a private key object), session objects (ECDH
// results), key generation, derivation and signing.
#include <algorithm>
#include <cstring>

#include "crypto/ec_curve.h"
#include "pkcs11/ck_rv.h"
#include "pkcs11/module.h"
#include "util/tlv.h"

namespace sesame::pkcs11 {
namespace {

using host::wsca::CardRefused;
using host::wsca::KeyInfo;
using iso7816::wsca::CurveCode;
using iso7816::wsca::KeyPolicy;

struct CurveEntry {
  CurveCode code;
  crypto::Curve curve;
};
constexpr CurveEntry kCurves[] = {{CurveCode::p256, crypto::Curve::p256},
                                  {CurveCode::p384, crypto::Curve::p384},
                                  {CurveCode::brainpool_p256r1, crypto::Curve::brainpool_p256r1}};

crypto::Curve curve_of(std::uint8_t code) {
  for (const auto& c : kCurves)
    if (static_cast<std::uint8_t>(c.code) == code) return c.curve;
  throw_rv(CKR_DEVICE_ERROR);
}

Bytes ec_params(std::uint8_t code) {
  return tlv_encode(0x06, crypto::curve_oid_value(curve_of(code)));
}

struct DecodedHandle {
  std::uint32_t unit = 0, key_id = 0;  // unit: the token's slot id
  bool private_key = false;
};

DecodedHandle decode(CK_OBJECT_HANDLE h) {
  DecodedHandle d;
  d.unit = static_cast<std::uint32_t>((h >> 32) & 0x7FFFFFFF);
  d.key_id = static_cast<std::uint32_t>((h & 0xFFFFFFFF) >> 1);
  d.private_key = (h & 1) != 0;
  return d;
}

const Bytes* find_attr(const Attributes& a, CK_ATTRIBUTE_TYPE t) {
  const auto it = a.find(t);
  return it == a.end() ? nullptr : &it->second;
}

std::optional<bool> template_bool(const Attributes& a, CK_ATTRIBUTE_TYPE t) {
  const Bytes* v = find_attr(a, t);
  if (!v) return std::nullopt;
  auto b = attr_to_bool(*v);
  if (!b) throw_rv(CKR_ATTRIBUTE_VALUE_INVALID);
  return b;
}

Attributes key_attributes(const KeyInfo& k, std::uint32_t /*unit*/, bool private_key) {
  Attributes a;
  a[CKA_CLASS] = attr_ulong(private_key ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY);
  a[CKA_TOKEN] = attr_bool(true);
  a[CKA_PRIVATE] = attr_bool(private_key);
  a[CKA_MODIFIABLE] = attr_bool(false);
  a[CKA_COPYABLE] = attr_bool(false);
  a[CKA_DESTROYABLE] = attr_bool(true);
  a[CKA_LABEL] = k.label;
  Bytes id;
  put_u32(id, k.id);
  a[CKA_ID] = id;
  a[CKA_KEY_TYPE] = attr_ulong(CKK_EC);
  a[CKA_LOCAL] = attr_bool(true);
  a[CKA_KEY_GEN_MECHANISM] = attr_ulong(CKM_EC_KEY_PAIR_GEN);
  a[CKA_EC_PARAMS] = ec_params(k.curve);
  a[CKA_EC_POINT] = tlv_encode(0x04, k.public_point);  // DER OCTET STRING (PKCS#11 2.40 §2.3.3)
  a[CKA_DERIVE] = attr_bool(private_key);
  a[CKA_START_DATE] = {};
  a[CKA_END_DATE] = {};
  if (private_key) {
    a[CKA_SENSITIVE] = attr_bool(true);
    a[CKA_ALWAYS_SENSITIVE] = attr_bool(true);
    a[CKA_EXTRACTABLE] = attr_bool(false);
    a[CKA_NEVER_EXTRACTABLE] = attr_bool(true);
    a[CKA_SIGN] = attr_bool(true);
    a[CKA_SIGN_RECOVER] = attr_bool(false);
    a[CKA_DECRYPT] = attr_bool(false);
    a[CKA_UNWRAP] = attr_bool(false);
    a[CKA_WRAP_WITH_TRUSTED] = attr_bool(false);
    a[CKA_ALWAYS_AUTHENTICATE] = attr_bool(k.policy == KeyPolicy::per_use);
  } else {
    a[CKA_VERIFY] = attr_bool(true);
    a[CKA_VERIFY_RECOVER] = attr_bool(false);
    a[CKA_ENCRYPT] = attr_bool(false);
    a[CKA_WRAP] = attr_bool(false);
    a[CKA_TRUSTED] = attr_bool(false);
  }
  return a;
}

Attributes secret_attributes(const SecretObject& o) {
  Attributes a;
  a[CKA_CLASS] = attr_ulong(CKO_SECRET_KEY);
  a[CKA_KEY_TYPE] = attr_ulong(o.key_type);
  a[CKA_TOKEN] = attr_bool(false);
  a[CKA_PRIVATE] = attr_bool(true);
  a[CKA_MODIFIABLE] = attr_bool(false);
  a[CKA_LABEL] = o.label;
  a[CKA_ID] = o.id;
  a[CKA_LOCAL] = attr_bool(false);
  a[CKA_SENSITIVE] = attr_bool(o.sensitive);
  a[CKA_EXTRACTABLE] = attr_bool(o.extractable);
  a[CKA_VALUE_LEN] = attr_ulong(o.value.size());
  if (!o.sensitive && o.extractable) a[CKA_VALUE] = o.value.reveal();
  return a;
}

}  // namespace

Bytes attr_bool(bool v) {
  return Bytes{static_cast<std::uint8_t>(v ? CK_TRUE : CK_FALSE)};
}
Bytes attr_ulong(CK_ULONG v) {
  Bytes b(sizeof v);
  std::memcpy(b.data(), &v, sizeof v);
  return b;
}
std::optional<CK_ULONG> attr_to_ulong(const Bytes& v) {
  if (v.size() != sizeof(CK_ULONG)) return std::nullopt;
  CK_ULONG out;
  std::memcpy(&out, v.data(), sizeof out);
  return out;
}
std::optional<bool> attr_to_bool(const Bytes& v) {
  if (v.size() != 1) return std::nullopt;
  return v[0] != 0;
}

CK_OBJECT_HANDLE key_handle(std::uint32_t slot, std::uint32_t key_id, bool private_key) {
  return (CK_OBJECT_HANDLE{slot} << 32) | (CK_OBJECT_HANDLE{key_id} << 1) | (private_key ? 1 : 0);
}

std::vector<KeyInfo> Module::keys(Slot& sl) {
  {
    std::shared_lock lock(sl.keys_mutex);
    if (sl.keys_loaded) {
      std::vector<KeyInfo> out;
      for (const auto& [id, k] : sl.keys) out.push_back(k);
      return out;
    }
  }
  std::map<std::uint32_t, KeyInfo> fresh;
  for (std::uint32_t id : sl.client->list_keys(sl.unit)) fresh.emplace(id, sl.client->key_info(sl.unit, id));
  std::unique_lock lock(sl.keys_mutex);
  sl.keys = fresh;
  sl.keys_loaded = true;
  std::vector<KeyInfo> out;
  for (const auto& [id, k] : fresh) out.push_back(k);
  return out;
}

std::optional<KeyInfo> Module::key(Slot& sl, std::uint32_t key_id) {
  keys(sl);
  std::shared_lock lock(sl.keys_mutex);
  const auto it = sl.keys.find(key_id);
  if (it == sl.keys.end()) return std::nullopt;
  return it->second;
}

Attributes Module::attributes(Session& s, CK_OBJECT_HANDLE h) {
  auto sl = slot_of(s);
  if (!sl) throw_rv(CKR_OBJECT_HANDLE_INVALID);
  if (h & kSessionObjectBit) {
    std::shared_lock lock(sessions_mutex_);
    const auto it = secrets_.find(h);
    if (it == secrets_.end() || it->second->slot != s.slot) throw_rv(CKR_OBJECT_HANDLE_INVALID);
    return secret_attributes(*it->second);
  }
  const DecodedHandle d = decode(h);
  if (d.unit != sl->id) throw_rv(CKR_OBJECT_HANDLE_INVALID);  // another unit's key: never reachable
  if (d.private_key && !logged_in(*sl)) throw_rv(CKR_OBJECT_HANDLE_INVALID);
  const auto k = key(*sl, d.key_id);
  if (!k) throw_rv(CKR_OBJECT_HANDLE_INVALID);
  return key_attributes(*k, sl->unit, d.private_key);
}

std::vector<CK_OBJECT_HANDLE> Module::find(Session& s, const Attributes& match) {
  auto sl = slot_of(s);
  std::vector<CK_OBJECT_HANDLE> out;
  if (!sl) return out;
  const bool user = logged_in(*sl);
  auto matches = [&](const Attributes& a) {
    return std::all_of(match.begin(), match.end(), [&](const auto& kv) {
      const Bytes* v = find_attr(a, kv.first);
      return v && *v == kv.second;
    });
  };
  for (const auto& k : keys(*sl)) {
    if (user && matches(key_attributes(k, sl->unit, true))) out.push_back(key_handle(static_cast<std::uint32_t>(sl->id), k.id, true));
    if (matches(key_attributes(k, sl->unit, false))) out.push_back(key_handle(static_cast<std::uint32_t>(sl->id), k.id, false));
  }
  if (user) {
    std::shared_lock lock(sessions_mutex_);
    for (const auto& [h, o] : secrets_)
      if (o->slot == s.slot && matches(secret_attributes(*o))) out.push_back(h);
  }
  return out;
}

void Module::destroy(Session& s, CK_OBJECT_HANDLE h) {
  auto sl = slot_of(s);
  if (!sl) throw_rv(CKR_OBJECT_HANDLE_INVALID);
  if (h & kSessionObjectBit) {
    std::unique_lock lock(sessions_mutex_);
    const auto it = secrets_.find(h);
    if (it == secrets_.end() || it->second->slot != s.slot) throw_rv(CKR_OBJECT_HANDLE_INVALID);
    secrets_.erase(it);
    return;
  }
  attributes(s, h);  // validates the handle
  if (!(s.flags & CKF_RW_SESSION)) throw_rv(CKR_SESSION_READ_ONLY);
  const DecodedHandle d = decode(h);
  // Either object of the pair erases the key: the WSCA holds one key, and DELETE KEY is a secure
  // erasure (docs/WSCA.md).
  try {
    sl->client->delete_key(sl->unit, d.key_id);
  } catch (const CardRefused& e) {
    if (e.sw() != 0x6982 || !logged_in(*sl)) throw;
    {
      std::lock_guard lock(sl->auth_mutex);
      sl->client->authenticate(sl->unit, sl->device_key, sl->pin.view());
    }
    sl->client->delete_key(sl->unit, d.key_id);
  }
  std::unique_lock lock(sl->keys_mutex);
  sl->keys.erase(d.key_id);
}

std::pair<CK_OBJECT_HANDLE, CK_OBJECT_HANDLE> Module::generate_key_pair(Session& s, const Attributes& pub,
                                                                        const Attributes& priv) {
  auto sl = slot_of(s);
  if (!sl) throw_rv(CKR_USER_NOT_LOGGED_IN);
  if (!(s.flags & CKF_RW_SESSION)) throw_rv(CKR_SESSION_READ_ONLY);
  if (!logged_in(*sl)) throw_rv(CKR_USER_NOT_LOGGED_IN);
  const Bytes* params = find_attr(pub, CKA_EC_PARAMS);
  if (!params) params = find_attr(priv, CKA_EC_PARAMS);
  if (!params) throw_rv(CKR_TEMPLATE_INCOMPLETE);
  std::optional<CurveCode> code;
  try {
    const Tlv oid = parse_one(*params, TlvMode::strict);
    if (oid.tag() == 0x06)
      if (auto c = crypto::curve_from_oid_value(oid.value()))
        for (const auto& e : kCurves)
          if (e.curve == *c) code = e.code;
  } catch (const Error&) {
    throw_rv(CKR_ATTRIBUTE_VALUE_INVALID);
  }
  if (!code) throw_rv(CKR_CURVE_NOT_SUPPORTED);
  for (const Attributes* t : {&pub, &priv}) {
    if (auto c = find_attr(*t, CKA_KEY_TYPE); c && attr_to_ulong(*c) != CKK_EC)
      throw_rv(CKR_TEMPLATE_INCONSISTENT);
  }
  if (template_bool(priv, CKA_EXTRACTABLE).value_or(false)) throw_rv(CKR_ATTRIBUTE_VALUE_INVALID);
  if (!template_bool(priv, CKA_SENSITIVE).value_or(true)) throw_rv(CKR_ATTRIBUTE_VALUE_INVALID);
  const KeyPolicy policy =
      template_bool(priv, CKA_ALWAYS_AUTHENTICATE).value_or(false) ? KeyPolicy::per_use : KeyPolicy::session;
  Bytes label;
  if (const Bytes* l = find_attr(priv, CKA_LABEL))
    label = *l;
  else if (const Bytes* pl = find_attr(pub, CKA_LABEL))
    label = *pl;
  if (label.size() > iso7816::wsca::kMaxLabel) throw_rv(CKR_ATTRIBUTE_VALUE_INVALID);
  KeyInfo k;
  try {
    k = sl->client->generate_key(sl->unit, *code, policy, iso7816::wsca::kDefaultWindow, label);
  } catch (const CardRefused& e) {
    if (e.sw() != 0x6982) throw;
    {
      std::lock_guard lock(sl->auth_mutex);
      if (!sl->user) throw;
      sl->client->authenticate(sl->unit, sl->device_key, sl->pin.view());
    }
    k = sl->client->generate_key(sl->unit, *code, policy, iso7816::wsca::kDefaultWindow, label);
  }
  keys(*sl);
  {
    std::unique_lock lock(sl->keys_mutex);
    sl->keys[k.id] = k;
  }
  return {key_handle(static_cast<std::uint32_t>(sl->id), k.id, false), key_handle(static_cast<std::uint32_t>(sl->id), k.id, true)};
}

Bytes Module::card_sign(Slot& sl, const KeyInfo& info, ByteView digest) {
  try {
    return sl.client->sign(sl.unit, info.id, digest, false);
  } catch (const CardRefused& e) {
    // A session key whose window ran out: authenticate again with the PIN given at C_Login. A
    // per-use key needs the application's own C_Login(CKU_CONTEXT_SPECIFIC).
    if (e.sw() != 0x6982 || info.policy != KeyPolicy::session) throw;
    {
      std::lock_guard lock(sl.auth_mutex);
      if (!sl.user) throw;
      sl.client->authenticate(sl.unit, sl.device_key, sl.pin.view());
    }
    return sl.client->sign(sl.unit, info.id, digest, false);
  }
}

void Module::sign_init(Session& s, CK_MECHANISM_TYPE mechanism, CK_OBJECT_HANDLE h) {
  if (s.sign) throw_rv(CKR_OPERATION_ACTIVE);
  auto sl = slot_of(s);
  if (!sl || (h & kSessionObjectBit)) throw_rv(CKR_KEY_HANDLE_INVALID);
  const DecodedHandle d = decode(h);
  if (d.unit != sl->id || !d.private_key) throw_rv(CKR_KEY_HANDLE_INVALID);
  if (!logged_in(*sl)) throw_rv(CKR_USER_NOT_LOGGED_IN);
  const auto k = key(*sl, d.key_id);
  if (!k) throw_rv(CKR_KEY_HANDLE_INVALID);
  SignOp op;
  op.mechanism = mechanism;
  op.key_id = d.key_id;
  op.info = *k;
  switch (mechanism) {
    case CKM_ECDSA: break;
    case CKM_ECDSA_SHA256: op.hasher.emplace(crypto::HashAlg::sha256); break;
    case CKM_ECDSA_SHA384: op.hasher.emplace(crypto::HashAlg::sha384); break;
    default: throw_rv(CKR_MECHANISM_INVALID);
  }
  s.sign = std::move(op);
}

std::size_t Module::signature_size(const Session& s) const {
  return 2 * crypto::field_size(curve_of(s.sign->info.curve));
}

Bytes Module::sign_final(Session& s, ByteView data) {
  auto sl = slot_of(s);
  if (!sl) throw_rv(CKR_KEY_HANDLE_INVALID);
  Bytes digest;
  if (s.sign->hasher) {
    s.sign->hasher->update(data);
    digest = s.sign->hasher->finish();
  } else {
    if (data.empty() || data.size() > 64) throw_rv(CKR_DATA_LEN_RANGE);
    digest.assign(data.begin(), data.end());
  }
  return card_sign(*sl, s.sign->info, digest);
}

CK_OBJECT_HANDLE Module::derive(Session& s, CK_OBJECT_HANDLE base, ByteView public_data,
                                const Attributes& tmpl) {
  auto sl = slot_of(s);
  if (!sl || (base & kSessionObjectBit)) throw_rv(CKR_KEY_HANDLE_INVALID);
  const DecodedHandle d = decode(base);
  if (d.unit != sl->id || !d.private_key) throw_rv(CKR_KEY_HANDLE_INVALID);
  if (!logged_in(*sl)) throw_rv(CKR_USER_NOT_LOGGED_IN);
  const auto k = key(*sl, d.key_id);
  if (!k) throw_rv(CKR_KEY_HANDLE_INVALID);
  // The peer's point, raw (04||X||Y) or wrapped in a DER OCTET STRING.
  const std::size_t raw_size = 1 + 2 * crypto::field_size(curve_of(k->curve));
  Bytes point(public_data.begin(), public_data.end());
  if (point.size() != raw_size) {
    try {
      const Tlv t = parse_one(public_data, TlvMode::strict);
      if (t.tag() != 0x04) throw_rv(CKR_MECHANISM_PARAM_INVALID);
      point = t.value();
    } catch (const Error&) {
      throw_rv(CKR_MECHANISM_PARAM_INVALID);
    }
  }
  if (auto c = find_attr(tmpl, CKA_CLASS); c && attr_to_ulong(*c) != CKO_SECRET_KEY)
    throw_rv(CKR_TEMPLATE_INCONSISTENT);
  auto obj = std::make_shared<SecretObject>();
  obj->slot = s.slot;
  if (auto t = find_attr(tmpl, CKA_KEY_TYPE)) {
    const auto v = attr_to_ulong(*t);
    if (!v) throw_rv(CKR_ATTRIBUTE_VALUE_INVALID);
    obj->key_type = *v;
  }
  obj->sensitive = template_bool(tmpl, CKA_SENSITIVE).value_or(false);
  obj->extractable = template_bool(tmpl, CKA_EXTRACTABLE).value_or(true);
  if (auto l = find_attr(tmpl, CKA_LABEL)) obj->label = *l;
  if (auto i = find_attr(tmpl, CKA_ID)) obj->id = *i;
  SecureBytes z;
  try {
    z = sl->client->ecdh(sl->unit, d.key_id, point);
  } catch (const CardRefused& e) {
    if (e.sw() == 0x6A80) throw_rv(CKR_MECHANISM_PARAM_INVALID);
    if (e.sw() != 0x6982 || k->policy != KeyPolicy::session) throw;
    {
      std::lock_guard lock(sl->auth_mutex);
      if (!sl->user) throw;
      sl->client->authenticate(sl->unit, sl->device_key, sl->pin.view());
    }
    z = sl->client->ecdh(sl->unit, d.key_id, point);
  }
  if (auto len = find_attr(tmpl, CKA_VALUE_LEN)) {
    const auto n = attr_to_ulong(*len);
    if (!n || *n == 0 || *n > z.size()) throw_rv(CKR_ATTRIBUTE_VALUE_INVALID);
    z.resize(*n);
  }
  obj->value = std::move(z);
  std::unique_lock lock(sessions_mutex_);
  const CK_OBJECT_HANDLE h = kSessionObjectBit | next_secret_++;
  secrets_.emplace(h, std::move(obj));
  return h;
}

}  // namespace sesame::pkcs11
