#include "applets/wsca/wsca_records.h"

#include <algorithm>
#include <cstdio>

#include "crypto/aes_gcm.h"
#include "crypto/random.h"
#include "util/byte_reader.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::applets::wsca {
namespace {

constexpr std::uint8_t kRecordVersion = 1;
constexpr const char* kNextUnit = "next_unit";

std::string hex32(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::uint32_t next_counter(card::Persistent& p, const std::string& key) {
  std::uint32_t v = 1;
  if (auto rec = p.get(key); rec && rec->size() == 4) v = get_u32(rec->view());
  if (v == 0xFFFFFFFFu) fail(Errc::state, "WSCA: identifiers exhausted");
  SecureBytes next;
  put_u32(next, v + 1);
  p.put(key, std::move(next));
  return v;
}

// The unit's kek as a prepared AES-GCM key.
crypto::AesGcmKey kek(const card::Persistent& p, std::uint32_t unit) {
  const SecureBytes* k = p.view(unit_prefix(unit) + "kek");
  if (!k || k->size() != 32) fail(Errc::integrity, "WSCA: unit key-encryption key missing");
  return crypto::AesGcmKey(k->view());
}

Bytes key_aad(std::uint32_t unit, std::uint32_t key_id, ByteView header) {
  Bytes aad(as_bytes("sesame/wsca/key/v1").begin(), as_bytes("sesame/wsca/key/v1").end());
  put_u32(aad, unit);
  put_u32(aad, key_id);
  append(aad, header);
  return aad;
}

Bytes data_aad(std::uint32_t unit, std::uint16_t object_id) {
  Bytes aad(as_bytes("sesame/wsca/data/v1").begin(), as_bytes("sesame/wsca/data/v1").end());
  put_u32(aad, unit);
  put_u16(aad, object_id);
  return aad;
}

std::string data_record(std::uint32_t unit, std::uint16_t object_id) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "%04x", object_id);
  return unit_prefix(unit) + "d/" + buf;
}

// Key record: header = version || curve code || policy || window(2) || len(1) || public point ||
// len(1) || label;
// then iv(12) || AES-256-GCM(kek, aad = key_aad(header), scalar) || tag.
struct ParsedKey {
  KeyInfo info;
  ByteView header, iv, box;
};

ParsedKey parse_key(ByteView rec) {
  ByteReader r(rec, "WSCA key record");
  ParsedKey k;
  if (r.u8() != kRecordVersion) fail(Errc::integrity, "WSCA key record: unknown version");
  const auto curve = curve_from_code(r.u8());
  if (!curve) fail(Errc::integrity, "WSCA key record: unknown curve");
  k.info.curve = *curve;
  k.info.policy = static_cast<KeyPolicy>(r.u8());
  k.info.window = r.u16();
  const std::size_t n = r.u8();
  const ByteView point = r.bytes(n);
  k.info.public_point.assign(point.begin(), point.end());
  const ByteView label = r.bytes(r.u8());
  k.info.label.assign(label.begin(), label.end());
  k.header = rec.first(r.offset());
  k.iv = r.bytes(crypto::kGcmIvSize);
  k.box = r.bytes(r.remaining());
  return k;
}

}  // namespace

std::optional<crypto::Curve> curve_from_code(std::uint8_t code) {
  switch (static_cast<CurveCode>(code)) {
    case CurveCode::p256: return crypto::Curve::p256;
    case CurveCode::p384: return crypto::Curve::p384;
    case CurveCode::brainpool_p256r1: return crypto::Curve::brainpool_p256r1;
    default: return std::nullopt;
  }
}

std::uint8_t curve_code(crypto::Curve curve) {
  switch (curve) {
    case crypto::Curve::p256: return static_cast<std::uint8_t>(CurveCode::p256);
    case crypto::Curve::p384: return static_cast<std::uint8_t>(CurveCode::p384);
    case crypto::Curve::brainpool_p256r1: return static_cast<std::uint8_t>(CurveCode::brainpool_p256r1);
    default: fail(Errc::invalid_argument, "WSCA: unsupported curve");
  }
}

std::string unit_prefix(std::uint32_t unit) {
  return "u/" + hex32(unit) + "/";
}
std::string pin_name(std::uint32_t unit) {
  return unit_prefix(unit) + "pin";
}
std::string puk_name(std::uint32_t unit) {
  return unit_prefix(unit) + "puk";
}
std::string key_record(std::uint32_t unit, std::uint32_t key_id) {
  return unit_prefix(unit) + "k/" + hex32(key_id);
}

bool unit_exists(const card::Persistent& p, std::uint32_t unit) {
  return unit != kProviderUnit && p.contains(unit_prefix(unit) + "meta");
}

std::uint32_t create_unit(card::Persistent& p, ByteView expected_device_key) {
  const std::uint32_t unit = next_counter(p, kNextUnit);
  p.put(unit_prefix(unit) + "kek", crypto::random_secret(32));
  p.put(unit_prefix(unit) + "ka", crypto::EcPrivateKey::generate(crypto::Curve::p256).reveal_scalar());
  UnitMeta meta;
  meta.expected_device_key.assign(expected_device_key.begin(), expected_device_key.end());
  write_meta(p, unit, meta);
  return unit;
}

UnitMeta read_meta(const card::Persistent& p, std::uint32_t unit) {
  const SecureBytes* rec = p.view(unit_prefix(unit) + "meta");
  if (!rec) fail(Errc::not_found, "WSCA: no such unit");
  ByteReader r(rec->view(), "WSCA unit record");
  if (r.u8() != kRecordVersion) fail(Errc::integrity, "WSCA unit record: unknown version");
  UnitMeta m;
  m.state = static_cast<UnitState>(r.u8());
  const ByteView expected = r.bytes(r.u8());
  m.expected_device_key.assign(expected.begin(), expected.end());
  const ByteView device = r.bytes(r.u8());
  m.device_key.assign(device.begin(), device.end());
  return m;
}

void write_meta(card::Persistent& p, std::uint32_t unit, const UnitMeta& meta) {
  SecureBytes rec{kRecordVersion, static_cast<std::uint8_t>(meta.state)};
  rec.push_back(static_cast<std::uint8_t>(meta.expected_device_key.size()));
  rec.append(meta.expected_device_key);
  rec.push_back(static_cast<std::uint8_t>(meta.device_key.size()));
  rec.append(meta.device_key);
  p.put(unit_prefix(unit) + "meta", std::move(rec));
}

crypto::EcPrivateKey ka_key(const card::Persistent& p, std::uint32_t unit) {
  const SecureBytes* rec = p.view(unit_prefix(unit) + "ka");
  if (!rec) fail(Errc::integrity, "WSCA: unit key-agreement key missing");
  return crypto::EcPrivateKey::from_scalar(crypto::Curve::p256, *rec);
}

void erase_unit(card::Persistent& p, std::uint32_t unit) {
  const std::string prefix = unit_prefix(unit);
  for (const auto& key : p.keys(prefix)) p.erase(key);
}

std::uint32_t store_key(card::Persistent& p, std::uint32_t unit, const crypto::EcPrivateKey& key,
                        KeyPolicy policy, std::uint16_t window, ByteView label) {
  const std::uint32_t key_id = next_counter(p, unit_prefix(unit) + "next_key");
  const Bytes point = key.public_key().to_uncompressed_point();
  Bytes header{kRecordVersion, curve_code(key.curve()), static_cast<std::uint8_t>(policy)};
  put_u16(header, window);
  header.push_back(static_cast<std::uint8_t>(point.size()));
  append(header, point);
  header.push_back(static_cast<std::uint8_t>(label.size()));
  append(header, label);
  const Bytes iv = crypto::random_bytes(crypto::kGcmIvSize);
  const SecureBytes scalar = key.reveal_scalar();
  const Bytes box = kek(p, unit).encrypt(iv, key_aad(unit, key_id, header), scalar.view());
  SecureBytes rec(header);
  rec.append(iv);
  rec.append(box);
  p.put(key_record(unit, key_id), std::move(rec));
  return key_id;
}

std::optional<KeyInfo> read_key_info(const card::Persistent& p, std::uint32_t unit, std::uint32_t key_id) {
  const SecureBytes* rec = p.view(key_record(unit, key_id));
  if (!rec) return std::nullopt;
  return parse_key(rec->view()).info;
}

crypto::EcPrivateKey unwrap_key(const card::Persistent& p, std::uint32_t unit, std::uint32_t key_id) {
  const SecureBytes* rec = p.view(key_record(unit, key_id));
  if (!rec) fail(Errc::not_found, "WSCA: no such key");
  const ParsedKey k = parse_key(rec->view());
  auto scalar = kek(p, unit).try_decrypt(k.iv, key_aad(unit, key_id, k.header), k.box);
  if (!scalar) fail(Errc::integrity, "WSCA: key record does not unwrap");
  auto key = crypto::EcPrivateKey::from_scalar(k.info.curve, *scalar);
  if (key.public_key().to_uncompressed_point() != k.info.public_point)
    fail(Errc::integrity, "WSCA: key record public key mismatch");
  return key;
}

std::vector<std::uint32_t> key_ids(const card::Persistent& p, std::uint32_t unit) {
  std::vector<std::uint32_t> out;
  const std::string prefix = unit_prefix(unit) + "k/";
  for (const auto& key : p.keys(prefix)) {
    const std::string id = key.substr(prefix.size());
    if (id.size() == 8) out.push_back(static_cast<std::uint32_t>(std::stoul(id, nullptr, 16)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool erase_key(card::Persistent& p, std::uint32_t unit, std::uint32_t key_id) {
  const std::string k = key_record(unit, key_id);
  if (!p.contains(k)) return false;
  p.erase(k);
  return true;
}

void put_data(card::Persistent& p, std::uint32_t unit, std::uint16_t object_id, ByteView value) {
  const Bytes iv = crypto::random_bytes(crypto::kGcmIvSize);
  SecureBytes rec(iv);
  rec.append(kek(p, unit).encrypt(iv, data_aad(unit, object_id), value));
  p.put(data_record(unit, object_id), std::move(rec));
}

std::optional<SecureBytes> get_data(const card::Persistent& p, std::uint32_t unit, std::uint16_t object_id) {
  const SecureBytes* rec = p.view(data_record(unit, object_id));
  if (!rec) return std::nullopt;
  if (rec->size() < crypto::kGcmIvSize + crypto::kGcmTagSize)
    fail(Errc::integrity, "WSCA data object truncated");
  const ByteView v = rec->view();
  auto plain = kek(p, unit).try_decrypt(v.first(crypto::kGcmIvSize), data_aad(unit, object_id),
                                        v.subspan(crypto::kGcmIvSize));
  if (!plain) fail(Errc::integrity, "WSCA: data object does not decrypt");
  return plain;
}

bool erase_data(card::Persistent& p, std::uint32_t unit, std::uint16_t object_id) {
  const std::string k = data_record(unit, object_id);
  if (!p.contains(k)) return false;
  p.erase(k);
  return true;
}

}  // namespace sesame::applets::wsca
