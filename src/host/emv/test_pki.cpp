#include "host/emv/test_pki.h"

#include <nlohmann/json.hpp>

#include "crypto/emv_keys.h"
#include "util/hex.h"

namespace sesame::host::emv {

TestPki make_test_pki(const iso7816::emv::CardData& card, const PkiOptions& o) {
  auto ca = crypto::RsaPrivateKey::generate(o.ca_bits, o.exponent);
  auto issuer = crypto::RsaPrivateKey::generate(o.issuer_bits, o.exponent);
  auto icc = crypto::RsaPrivateKey::generate(o.icc_bits, o.exponent);
  const Bytes expiry = crypto::emv::digits_to_bcd(o.certificate_expiry, 2);
  crypto::emv::CertificateFields issuer_fields{iso7816::emv::issuer_identifier(card.pan), expiry, {0x00, 0x00, 0x01}};
  auto issuer_cert = crypto::emv::make_issuer_certificate(ca, issuer_fields, issuer.public_key());
  crypto::emv::CertificateFields icc_fields{crypto::emv::digits_to_bcd(card.pan, 10), expiry, {0x00, 0x00, 0x01}};
  auto icc_cert = crypto::emv::make_icc_certificate(issuer, icc_fields, icc.public_key(),
                                                    iso7816::emv::static_data_to_authenticate(card));
  CaPublicKey ca_public{o.rid, o.ca_index, ca.public_key()};
  return {std::move(ca), std::move(ca_public), std::move(issuer), std::move(issuer_cert), std::move(icc), std::move(icc_cert)};
}

SecureString make_profile_json(const iso7816::emv::CardData& card, const TestPki* pki,
                              const SecureBytes& issuer_master_key_ac, const ProfileOptions& o) {
  nlohmann::json j;
  j["pan"] = card.pan;
  j["psn"] = card.psn;
  j["expiry"] = card.expiry;
  if (!card.effective.empty()) j["effective"] = card.effective;
  j["issuer_country"] = card.issuer_country;
  j["currency"] = card.currency;
  j["label"] = o.label;
  j["name"] = o.name;
  j["arpc_method"] = o.arpc_method;
  if (o.contactless_group != 0) j["contactless"] = {{"group", o.contactless_group}};
  j["iac"] = {{"default", to_hex(card.iac_default)}, {"denial", to_hex(card.iac_denial)}, {"online", to_hex(card.iac_online)}};
  j["limits"] = {{"lower_consecutive_offline", o.lower_consecutive},
                 {"upper_consecutive_offline", o.upper_consecutive},
                 {"lower_cumulative_amount", o.lower_amount},
                 {"upper_cumulative_amount", o.upper_amount}};
  j["keys"]["issuer_master_key_ac"] = to_hex(issuer_master_key_ac.view());
  if (!o.issuer_master_key_smi.empty()) j["keys"]["issuer_master_key_smi"] = to_hex(o.issuer_master_key_smi.view());
  if (!o.issuer_master_key_smc.empty()) j["keys"]["issuer_master_key_smc"] = to_hex(o.issuer_master_key_smc.view());
  if (!o.pin.empty()) j["keys"]["pin"] = o.pin;
  j["script_failure_limit"] = o.script_failure_limit;
  if (pki) {
    j["keys"]["icc_private_key"] = to_hex(pki->icc.to_pkcs8_der().view());
    j["certificates"] = {{"ca_index", pki->ca_public.index},
                         {"issuer", to_hex(pki->issuer_certificate.certificate)},
                         {"issuer_remainder", to_hex(pki->issuer_certificate.remainder)},
                         {"issuer_exponent", to_hex(pki->issuer.public_key().public_exponent())},
                         {"icc", to_hex(pki->icc_certificate.certificate)},
                         {"icc_remainder", to_hex(pki->icc_certificate.remainder)},
                         {"icc_exponent", to_hex(pki->icc.public_key().public_exponent())}};
  }
  std::string text = j.dump(2);
  SecureString out(text.begin(), text.end());
  wipe(text);
  for (auto& [k, v] : j["keys"].items()) wipe(v.get_ref<std::string&>());
  return out;
}

}  // namespace sesame::host::emv
