#include "iso7816/security_infos.h"

#include "iso7816/pace.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::iso7816 {
namespace {

constexpr std::uint32_t kSequence = 0x30, kSet = 0x31, kInteger = 0x02, kOid = 0x06;
// id-ecPublicKey 1.2.840.10045.2.1 and BSI standardizedDomainParameters 0.4.0.127.0.7.1.2.
const Bytes kEcPublicKey{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};
const Bytes kStandardizedDomainParameters{0x04, 0x00, 0x7F, 0x00, 0x07, 0x01, 0x02};

Bytes der_integer(int v) {
  if (v < 0 || v > 0x7FFFFF) fail(Errc::invalid_argument, "SecurityInfos: integer out of range");
  Bytes out;
  for (int s = 16; s > 0; s -= 8)
    if (!out.empty() || (v >> s) != 0) out.push_back(static_cast<std::uint8_t>(v >> s));
  out.push_back(static_cast<std::uint8_t>(v));
  if (out[0] & 0x80) out.insert(out.begin(), 0x00);
  return tlv_encode(kInteger, out);
}

int parse_integer(const Tlv& t) {
  if (t.tag() != kInteger || t.value().empty() || t.value().size() > 3 || (t.value()[0] & 0x80))
    fail(Errc::parse, "SecurityInfos: expected a small non-negative INTEGER");
  int v = 0;
  for (auto b : t.value()) v = (v << 8) | b;
  return v;
}

bool is_pace_info(const Bytes& oid) {
  return pace::pace_ecdh_gm_key_length(oid).has_value();
}
bool is_ca_info(const Bytes& oid) {
  return pace::ca_ecdh_key_length(oid).has_value();
}
bool is_pk_info(const Bytes& oid) {
  return oid == pace::pk_ecdh_oid();
}

}  // namespace

Bytes encode_security_infos(const SecurityInfos& infos) {
  Bytes set;
  for (const auto& p : infos.pace) {
    Bytes s = tlv_encode(kOid, p.protocol);
    append(s, der_integer(p.version));
    if (p.parameter_id) append(s, der_integer(*p.parameter_id));
    append_tlv(set, kSequence, s);
  }
  for (const auto& c : infos.chip_authentication) {
    Bytes s = tlv_encode(kOid, c.protocol);
    append(s, der_integer(c.version));
    if (c.key_id) append(s, der_integer(*c.key_id));
    append_tlv(set, kSequence, s);
  }
  for (const auto& k : infos.chip_authentication_keys) {
    Bytes s = tlv_encode(kOid, k.protocol);
    append(s, k.subject_public_key_info);
    if (k.key_id) append(s, der_integer(*k.key_id));
    append_tlv(set, kSequence, s);
  }
  for (const auto& o : infos.other) append(set, o);
  return tlv_encode(kSet, set);
}

SecurityInfos parse_security_infos(ByteView der) {
  const Tlv set = parse_one(der, TlvMode::strict);
  if (set.tag() != kSet) fail(Errc::parse, "SecurityInfos: not a SET OF");
  SecurityInfos out;
  for (const Tlv& info : set.children()) {
    const auto& f = info.children();
    if (info.tag() != kSequence || f.size() < 2 || f[0].tag() != kOid)
      fail(Errc::parse, "SecurityInfos: SecurityInfo is not SEQUENCE { OID, ... }");
    const Bytes& oid = f[0].value();
    if (is_pace_info(oid)) {
      if (f.size() > 3) fail(Errc::parse, "PACEInfo: too many members");
      PaceInfo p{oid, parse_integer(f[1]), std::nullopt};
      if (f.size() == 3) p.parameter_id = parse_integer(f[2]);
      out.pace.push_back(std::move(p));
    } else if (is_ca_info(oid)) {
      if (f.size() > 3) fail(Errc::parse, "ChipAuthenticationInfo: too many members");
      ChipAuthenticationInfo c{oid, parse_integer(f[1]), std::nullopt};
      if (f.size() == 3) c.key_id = parse_integer(f[2]);
      out.chip_authentication.push_back(std::move(c));
    } else if (is_pk_info(oid)) {
      if (f.size() > 3 || f[1].tag() != kSequence)
        fail(Errc::parse, "ChipAuthenticationPublicKeyInfo: malformed");
      ChipAuthenticationPublicKeyInfo k{oid, f[1].encode(), std::nullopt};
      if (f.size() == 3) k.key_id = parse_integer(f[2]);
      out.chip_authentication_keys.push_back(std::move(k));
    } else {
      out.other.push_back(info.encode());
    }
  }
  return out;
}

crypto::EcPublicKey ca_public_key(const ChipAuthenticationPublicKeyInfo& info) {
  const Tlv spki = parse_one(info.subject_public_key_info, TlvMode::strict);
  const Tlv* alg = spki.find(kSequence);
  const Tlv* key = spki.find(0x03);
  if (!alg || !key || alg->children().empty() || alg->children()[0].tag() != kOid)
    fail(Errc::parse, "ChipAuthenticationPublicKeyInfo: malformed SubjectPublicKeyInfo");
  const Bytes& alg_oid = alg->children()[0].value();
  if (alg_oid == kEcPublicKey) return crypto::EcPublicKey::from_spki_der(info.subject_public_key_info);
  if (alg_oid != kStandardizedDomainParameters || alg->children().size() != 2)
    fail(Errc::parse, "ChipAuthenticationPublicKeyInfo: unsupported key algorithm");
  const auto curve = crypto::curve_from_standardized_id(parse_integer(alg->children()[1]));
  if (!curve || !pace::standardized_id(*curve))
    fail(Errc::parse, "ChipAuthenticationPublicKeyInfo: unsupported domain parameters");
  if (key->value().empty() || key->value()[0] != 0x00)
    fail(Errc::parse, "ChipAuthenticationPublicKeyInfo: bad BIT STRING");
  return crypto::EcPublicKey::from_point(*curve, ByteView(key->value()).subspan(1));
}

Bytes eid_card_access(int parameter_id) {
  SecurityInfos access;
  access.pace.push_back({pace::pace_ecdh_gm_oid(16), 2, parameter_id});
  access.chip_authentication.push_back({pace::ca_ecdh_oid(16), 1, std::nullopt});
  return encode_security_infos(access);
}

Bytes eid_dg14(const crypto::EcPublicKey& chip_authentication_key) {
  SecurityInfos dg14;
  dg14.chip_authentication.push_back({pace::ca_ecdh_oid(16), 1, std::nullopt});
  dg14.chip_authentication_keys.push_back(
      {pace::pk_ecdh_oid(), chip_authentication_key.to_spki_der(), std::nullopt});
  return encode_dg14(dg14);
}

Bytes encode_dg14(const SecurityInfos& infos) {
  return tlv_encode(0x6E, encode_security_infos(infos));
}

SecurityInfos parse_dg14(ByteView dg14) {
  const Tlv t = parse_one(dg14, TlvMode::strict);
  if (t.tag() != 0x6E) fail(Errc::parse, "DG14: tag 6E expected");
  return parse_security_infos(t.value());
}

}  // namespace sesame::iso7816
