#include "host/eid/eid_issuance.h"

#include <nlohmann/json.hpp>

#include "crypto/cms.h"
#include "crypto/ec_curve.h"
#include "crypto/ec_key.h"
#include "crypto/random.h"
#include "iso7816/lds_security_object.h"
#include "iso7816/security_infos.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::host::eid {
namespace {

// The install profile of sesame.eid (docs/EID.md "Install parameters"; applets/eid/eid_applet.h).
constexpr std::uint32_t kTagPin = 0xC1, kTagCan = 0xC2, kTagPuk = 0xC3, kTagMrz = 0xC4, kTagCurve = 0xC5,
                        kTagCaKey = 0xC6, kTagFile = 0xE1;
constexpr std::uint16_t kFidEfCom = 0x011E, kFidDg1 = 0x0101, kFidDg2 = 0x0102, kFidDg13 = 0x010D,
                        kFidEfSod = 0x011D;

void append_secret_tlv(SecureBytes& out, std::uint32_t tag, ByteView value) {
  out.append(encode_tag(tag));
  out.append(encode_length(value.size()));
  out.append(value);
}

void append_file(SecureBytes& out, std::uint16_t fid, ByteView content) {
  Bytes f;
  put_u16(f, fid);
  out.append(tlv_encode(kTagFile, concat({tlv_encode(0x83, f), tlv_encode(0x53, content)})));
}

std::string member(const nlohmann::json& j, const char* name, bool required = true) {
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) fail(Errc::parse, std::string("identity: \"") + name + "\" is missing");
    return {};
  }
  if (!it->is_string()) fail(Errc::parse, std::string("identity: \"") + name + "\" is not a string");
  return it->get<std::string>();
}

// "YYYY-MM-DD" -> "YYYYMMDD" (Error(invalid_argument) otherwise).
std::string full_date(const std::string& s, const char* name) {
  const bool shape = s.size() == 10 && s[4] == '-' && s[7] == '-';
  std::string d = shape ? s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2) : std::string();
  if (!shape || d.find_first_not_of("0123456789") != std::string::npos)
    fail(Errc::invalid_argument, std::string("identity: \"") + name + "\" is YYYY-MM-DD");
  const int month = std::stoi(d.substr(4, 2)), day = std::stoi(d.substr(6, 2));
  if (month < 1 || month > 12 || day < 1 || day > 31)
    fail(Errc::invalid_argument, std::string("identity: \"") + name + "\" is not a date");
  return d;
}

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

SecureString random_digits(std::size_t n) {
  SecureString out;
  while (out.size() < n) {
    SecureBytes b = crypto::random_secret(16);
    for (std::size_t i = 0; i < b.size() && out.size() < n; ++i)
      if (b.data()[i] < 250) out.push_back(static_cast<char>('0' + b.data()[i] % 10));
  }
  return out;
}

void check_digits(const SecureString& s, std::size_t min, std::size_t max, const char* name) {
  bool ok = s.size() >= min && s.size() <= max;
  for (char c : s) ok = ok && c >= '0' && c <= '9';
  if (!ok) {
    fail(Errc::invalid_argument, std::string(name) + " is " + std::to_string(min) +
                                     (min == max ? "" : ".." + std::to_string(max)) + " digits");
  }
}

ByteView view_of(const SecureString& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

}  // namespace

EidIdentity parse_identity_json(std::string_view text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    fail(Errc::parse, "identity: not valid JSON");
  }
  if (!j.is_object()) fail(Errc::parse, "identity: not a JSON object");
  EidIdentity id;
  id.mrz.document_code = upper(member(j, "document_type"));
  id.mrz.issuing_state = upper(member(j, "issuing_state"));
  id.mrz.document_number = upper(member(j, "document_number"));
  id.surname_utf8 = member(j, "surname");
  id.given_names_utf8 = member(j, "given_names");
  id.mrz.primary_identifier = mrz_name(id.surname_utf8);
  id.mrz.secondary_identifier = mrz_name(id.given_names_utf8);
  id.mrz.nationality = upper(member(j, "nationality"));
  id.date_of_birth_full = full_date(member(j, "date_of_birth"), "date_of_birth");
  id.mrz.date_of_birth = id.date_of_birth_full.substr(2);
  id.mrz.sex = upper(member(j, "sex"));
  id.mrz.date_of_expiry = full_date(member(j, "date_of_expiry"), "date_of_expiry").substr(2);
  id.mrz.optional_data_1 = upper(member(j, "optional_data", false));
  id.address = member(j, "address", false);
  id.photo_file = member(j, "photo", false);
  format_td1(id.mrz);  // every MRZ field checked now, before anything is generated
  return id;
}

EidSecrets complete_secrets(EidSecrets s) {
  if (s.pin.empty()) s.pin = random_digits(6);
  if (s.can.empty()) s.can = random_digits(6);
  if (s.puk.empty()) s.puk = random_digits(10);
  check_digits(s.pin, 6, 6, "the PIN");
  check_digits(s.can, 6, 6, "the CAN");
  check_digits(s.puk, 8, 12, "the PUK");
  return s;
}

Bytes encode_dg1(std::string_view mrz) { return tlv_encode(0x61, tlv_encode(0x5F1F, as_bytes(mrz))); }

std::string mrz_of_dg1(ByteView dg1) {
  const Tlv t = parse_one(dg1);
  if (t.tag() != 0x61) fail(Errc::parse, "DG1: tag is not 61");
  const Bytes& m = t.require(0x5F1F).value();
  return std::string(m.begin(), m.end());
}

Bytes encode_dg13(const Dg13& d) {
  Bytes v;
  append_tlv(v, 0x5F0E, as_bytes(d.full_name));
  if (!d.date_of_birth.empty()) append_tlv(v, 0x5F2B, as_bytes(d.date_of_birth));
  if (!d.address.empty()) append_tlv(v, 0x5F42, as_bytes(d.address));
  return tlv_encode(0x6D, v);
}

Dg13 parse_dg13(ByteView dg13) {
  const Tlv t = parse_one(dg13);
  if (t.tag() != 0x6D) fail(Errc::parse, "DG13: tag is not 6D");
  auto text = [&](std::uint32_t tag) {
    const Tlv* f = t.find(tag);
    return f ? std::string(f->value().begin(), f->value().end()) : std::string();
  };
  return {text(0x5F0E), text(0x5F2B), text(0x5F42)};
}

IssuedEid issue_eid(const EidIdentity& id, const EidSecrets& given, const crypto::Certificate& ds,
                    const crypto::PrivateKey& ds_key, const EidIssueOptions& options) {
  const EidSecrets secrets = complete_secrets(given);
  const auto curve = crypto::curve_from_standardized_id(options.parameter_id);
  if (!curve) fail(Errc::invalid_argument, "unsupported domain parameter ID " + std::to_string(options.parameter_id));
  if (id.photo.size() > 32000) fail(Errc::invalid_argument, "the photo is larger than 32000 bytes");

  IssuedEid out;
  out.mrz = format_td1(id.mrz);
  out.data_groups[1] = encode_dg1(out.mrz);
  if (!id.photo.empty()) {
    // A minimal biometric information template (ICAO 9303-10 §4.7.2): one instance whose block is
    // the image itself, not an ISO/IEC 19794-5 record (a sesame limitation, docs/EID.md).
    Bytes bdb = tlv_encode(0xA1, tlv_encode(0x80, Bytes{0x01, 0x01}));
    append_tlv(bdb, 0x5F2E, id.photo);
    const Bytes group = concat({tlv_encode(0x02, Bytes{0x01}), tlv_encode(0x7F60, bdb)});
    out.data_groups[2] = tlv_encode(0x75, tlv_encode(0x7F61, group));
  }
  out.data_groups[13] =
      encode_dg13({id.surname_utf8 + "<<" + id.given_names_utf8, id.date_of_birth_full, id.address});
  // The issuer makes the Chip Authentication key so that EF.SOD covers the DG14 the card builds
  // from it; the scalar leaves only inside the install parameters.
  const auto ca_key = crypto::EcPrivateKey::generate(*curve);
  out.data_groups[14] = iso7816::eid_dg14(ca_key.public_key());

  Bytes tags;
  for (const auto& [n, _] : out.data_groups) tags.push_back(n == 1 ? 0x61 : n == 2 ? 0x75 : n == 13 ? 0x6D : 0x6E);
  // EF.COM (ICAO 9303-10 §4.6.1): LDS version 1.7, Unicode 4.0.0, the tag list.
  out.ef_com = tlv_encode(0x60, concat({tlv_encode(0x5F01, as_bytes("0107")), tlv_encode(0x5F36, as_bytes("040000")),
                                        tlv_encode(0x5C, tags)}));

  iso7816::LdsSecurityObject lds;
  lds.hash = options.lds_hash;
  for (const auto& [n, content] : out.data_groups) lds.data_group_hashes[n] = crypto::hash(options.lds_hash, content);
  crypto::CmsSignOptions cms;
  cms.content_type = crypto::kOidIcaoLdsSecurityObject;
  cms.hash = options.lds_hash;
  out.ef_sod = iso7816::wrap_ef_sod(crypto::cms_sign(iso7816::encode_lds_security_object(lds), ds, ds_key, cms));

  SecureBytes& p = out.install_params;
  append_secret_tlv(p, kTagPin, view_of(secrets.pin));
  append_secret_tlv(p, kTagCan, view_of(secrets.can));
  append_secret_tlv(p, kTagPuk, view_of(secrets.puk));
  std::string mrz_key = id.mrz.document_number;
  mrz_key.resize(9, '<');
  mrz_key += id.mrz.date_of_birth + id.mrz.date_of_expiry;
  p.append(tlv_encode(kTagMrz, as_bytes(mrz_key)));
  p.append(tlv_encode(kTagCurve, Bytes{static_cast<std::uint8_t>(options.parameter_id)}));
  append_secret_tlv(p, kTagCaKey, ca_key.reveal_scalar().view());
  append_file(p, kFidEfCom, out.ef_com);
  append_file(p, kFidDg1, out.data_groups[1]);
  if (out.data_groups.count(2)) append_file(p, kFidDg2, out.data_groups[2]);
  append_file(p, kFidDg13, out.data_groups[13]);
  append_file(p, kFidEfSod, out.ef_sod);
  return out;
}

}  // namespace sesame::host::eid
