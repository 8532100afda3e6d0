// A personalisation profile for the payment applet tests, with a small PKI made here from the
// crypto layer (applets_test does not link host/, where the issuer's generator lives). Generated
// once per test binary: RSA key generation is slow under the sanitizers.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "crypto/emv_certificates.h"
#include "crypto/emv_keys.h"
#include "crypto/rsa_key.h"
#include "iso7816/emv_card_data.h"
#include "util/hex.h"

namespace sesame::applets::emv::testing {

inline const char* kImkHex = "0123456789ABCDEFFEDCBA9876543210";
// Issuer master keys for issuer script secure messaging (integrity, confidentiality).
inline const char* kImkSmiHex = "FEDCBA98765432100123456789ABCDEF";
inline const char* kImkSmcHex = "11111111111111112222222222222222";

inline iso7816::emv::CardData test_card() {
  iso7816::emv::CardData c;
  c.pan = "5413330089010608";
  c.psn = "01";
  c.expiry = "301231";
  c.effective = "240101";
  return c;
}

struct TestKeys {
  crypto::RsaPrivateKey ca = crypto::RsaPrivateKey::generate(1408, 3);
  crypto::RsaPrivateKey issuer = crypto::RsaPrivateKey::generate(1152, 3);
  crypto::RsaPrivateKey icc = crypto::RsaPrivateKey::generate(1024, 3);
};

inline const TestKeys& test_keys() {
  static const TestKeys keys;
  return keys;
}

// The profile as JSON; `mutate` may change it before it is dumped.
template <typename F>
std::string test_profile(F&& mutate, bool with_pki = true) {
  const auto card = test_card();
  nlohmann::json j = {{"pan", card.pan},       {"psn", card.psn},         {"expiry", card.expiry},
                      {"effective", card.effective}, {"label", "SESAME PAY"}, {"name", "TEST/CARD"},
                      {"limits", {{"lower_consecutive_offline", 2}, {"upper_consecutive_offline", 3},
                                  {"lower_cumulative_amount", 5000}, {"upper_cumulative_amount", 8000}}},
                      {"keys", {{"issuer_master_key_ac", kImkHex}, {"issuer_master_key_smi", kImkSmiHex},
                                {"issuer_master_key_smc", kImkSmcHex}, {"pin", "1234"}}}};
  if (with_pki) {
    const auto& k = test_keys();
    const Bytes expiry{0x12, 0x49};
    const auto ic = crypto::emv::make_issuer_certificate(
        k.ca, {iso7816::emv::issuer_identifier(card.pan), expiry, {0, 0, 1}}, k.issuer.public_key());
    const auto cc = crypto::emv::make_icc_certificate(k.issuer, {crypto::emv::digits_to_bcd(card.pan, 10), expiry, {0, 0, 1}},
                                                      k.icc.public_key(), iso7816::emv::static_data_to_authenticate(card));
    j["keys"]["icc_private_key"] = to_hex(k.icc.to_pkcs8_der().view());
    j["certificates"] = {{"ca_index", 0xF1},         {"issuer", to_hex(ic.certificate)}, {"issuer_remainder", to_hex(ic.remainder)},
                         {"issuer_exponent", "03"}, {"icc", to_hex(cc.certificate)},    {"icc_remainder", to_hex(cc.remainder)},
                         {"icc_exponent", "03"}};
  }
  mutate(j);
  return j.dump();
}
inline std::string test_profile(bool with_pki = true) {
  return test_profile([](nlohmann::json&) {}, with_pki);
}

}  // namespace sesame::applets::emv::testing
