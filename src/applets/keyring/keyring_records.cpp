#include "applets/keyring/keyring_records.h"

#include "crypto/aes_gcm.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::applets::keyring {
namespace {

using iso7816::Sw;
using iso7816::throw_sw;

constexpr const char* kPlatform = "platform";
constexpr const char* kReceiptKey = "receipt_key";

std::string key_of(ByteView id, const char* name) {
  return "k/" + to_hex(id) + "/" + name;
}

Bytes record_aad(ByteView id, const char* name) {
  Bytes aad = iso7816::keyring::to_bytes("sesame keyring record v1");
  append(aad, id);
  append(aad, as_bytes(name));
  return aad;
}

SecureBytes record_key(const card::Persistent& p) {
  return crypto::hkdf(crypto::HashAlg::sha256, {}, platform_secret(p).view(),
                      as_bytes("sesame keyring record v1"), 32);
}

void seal_put(card::Persistent& p, ByteView id, const char* name, ByteView plain, bool now) {
  const SecureBytes k = record_key(p);
  Bytes out = crypto::random_bytes(crypto::kGcmIvSize);
  const Bytes iv = out;
  append(out, crypto::aes_gcm_encrypt(k.view(), iv, record_aad(id, name), plain));
  if (now)
    p.put_now(key_of(id, name), SecureBytes(ByteView(out)));
  else
    p.put(key_of(id, name), ByteView(out));
}

SecureBytes open_get(const card::Persistent& p, ByteView id, const char* name) {
  const SecureBytes* sealed = p.view(key_of(id, name));
  if (!sealed) throw_sw(Sw::referenced_data_not_found);
  if (sealed->size() < crypto::kGcmIvSize + crypto::kGcmTagSize) throw_sw(Sw::reference_data_not_usable);
  const SecureBytes k = record_key(p);
  try {
    return crypto::aes_gcm_decrypt(k.view(), sealed->view().first(crypto::kGcmIvSize), record_aad(id, name),
                                   sealed->view().subspan(crypto::kGcmIvSize));
  } catch (const Error&) {
    throw_sw(Sw::reference_data_not_usable);  // moved from another keyring, or altered
  }
}

ByteView field(const std::vector<Tlv>& items, std::uint32_t t) {
  const Tlv* it = find_tlv(items, t);
  return it ? ByteView(it->value()) : ByteView{};
}

}  // namespace

void ensure_platform(card::Persistent& p) {
  if (!p.contains(kPlatform)) p.put(kPlatform, crypto::random_secret(32));
  if (!p.contains(kReceiptKey))
    p.put(kReceiptKey, crypto::EcPrivateKey::generate(crypto::Curve::p256).to_pkcs8_der());
}

SecureBytes platform_secret(const card::Persistent& p) {
  auto s = p.get(kPlatform);
  if (!s || s->size() != 32) throw_sw(Sw::conditions_not_satisfied);
  return std::move(*s);
}

crypto::EcPrivateKey receipt_key(const card::Persistent& p) {
  const SecureBytes* k = p.view(kReceiptKey);
  if (!k) throw_sw(Sw::conditions_not_satisfied);
  return crypto::EcPrivateKey::from_pkcs8_der(k->view());
}

bool keyring_exists(const card::Persistent& p, ByteView id) {
  return p.contains(key_of(id, "m"));
}

KeyringMeta read_meta(const card::Persistent& p, ByteView id) {
  const SecureBytes plain = open_get(p, id, "m");
  std::vector<Tlv> items;
  try {
    items = parse_tlv(plain.view(), TlvMode::strict);
  } catch (const Error&) {
    throw_sw(Sw::reference_data_not_usable);
  }
  KeyringMeta m;
  const ByteView st = field(items, 0x81), pol = field(items, 0x82);
  if (st.size() != 1 || pol.size() != 2) throw_sw(Sw::reference_data_not_usable);
  m.state = static_cast<KeyringState>(st[0]);
  m.try_limit = pol[0];
  m.min_pin_length = pol[1];
  m.activation_w0 = SecureBytes(field(items, 0x83));
  const auto assign = [&](Bytes& out, std::uint32_t t) {
    const ByteView v = field(items, t);
    out.assign(v.begin(), v.end());
  };
  assign(m.activation_l, 0x84);
  m.pin_w0 = SecureBytes(field(items, 0x85));
  assign(m.pin_l, 0x86);
  assign(m.pin_salt, 0x87);
  assign(m.device_key, 0x88);
  assign(m.wrapped_key, 0x89);
  assign(m.public_key, 0x8A);
  return m;
}

void write_meta(card::Persistent& p, ByteView id, const KeyringMeta& m) {
  Bytes b;  // zeroized below: it holds w0 values
  append_tlv(b, 0x81, Bytes{static_cast<std::uint8_t>(m.state)});
  append_tlv(b, 0x82, Bytes{m.try_limit, m.min_pin_length});
  const auto opt = [&](std::uint32_t t, ByteView v) {
    if (!v.empty()) append_tlv(b, t, v);
  };
  opt(0x83, m.activation_w0.view());
  opt(0x84, m.activation_l);
  opt(0x85, m.pin_w0.view());
  opt(0x86, m.pin_l);
  opt(0x87, m.pin_salt);
  opt(0x88, m.device_key);
  opt(0x89, m.wrapped_key);
  opt(0x8A, m.public_key);
  const SecureBytes plain{ByteView(b)};
  std::fill(b.begin(), b.end(), 0);
  seal_put(p, id, "m", plain.view(), false);
}

Tries read_tries(const card::Persistent& p, ByteView id) {
  const SecureBytes t = open_get(p, id, "t");
  if (t.size() != 2) throw_sw(Sw::reference_data_not_usable);
  return {t.view()[0], t.view()[1]};
}

void write_tries_now(card::Persistent& p, ByteView id, const Tries& t) {
  seal_put(p, id, "t", Bytes{t.pin, t.activation}, true);
}

void write_tries(card::Persistent& p, ByteView id, const Tries& t) {
  seal_put(p, id, "t", Bytes{t.pin, t.activation}, false);
}

void erase_keyring(card::Persistent& p, ByteView id) {
  for (const auto& k : p.keys("k/" + to_hex(id) + "/")) p.erase(k);
}

SecureBytes key_encryption_key(const card::Persistent& p, ByteView unlock, ByteView id) {
  Bytes info = iso7816::keyring::to_bytes("sesame keyring kek v1");
  append(info, id);
  return crypto::hkdf(crypto::HashAlg::sha256, platform_secret(p).view(), unlock, info, 32);
}

Bytes wrap_key(ByteView kek, ByteView id, const crypto::EcPrivateKey& key) {
  Bytes out = crypto::random_bytes(crypto::kGcmIvSize);
  const Bytes iv = out;
  append(out, crypto::aes_gcm_encrypt(kek, iv, record_aad(id, "key"), key.to_pkcs8_der().view()));
  return out;
}

std::optional<crypto::EcPrivateKey> unwrap_key(ByteView kek, ByteView id, ByteView wrapped) {
  if (wrapped.size() < crypto::kGcmIvSize + crypto::kGcmTagSize) return std::nullopt;
  try {
    const SecureBytes der = crypto::aes_gcm_decrypt(
        kek, wrapped.first(crypto::kGcmIvSize), record_aad(id, "key"), wrapped.subspan(crypto::kGcmIvSize));
    return crypto::EcPrivateKey::from_pkcs8_der(der.view());
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace sesame::applets::keyring
