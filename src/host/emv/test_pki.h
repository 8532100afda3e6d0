// Issuer-side personalisation helpers: a test PKI (a CA key with its RID and index, an issuer key
// and certificate, an ICC key and certificate over the card's static data) and the JSON profile
// the payment applet is installed with (docs/EMV.md). Used by tests and, later, by the CLI.
#pragma once

#include <cstdint>
#include <string>

#include "crypto/emv_certificates.h"
#include "crypto/rsa_key.h"
#include "iso7816/emv_card_data.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::host::emv {

// A CA public key as a terminal holds it (Book 2 §11.2: RID, CA public key index, modulus, exponent).
struct CaPublicKey {
  Bytes rid;            // 5 bytes
  std::uint8_t index = 0;
  crypto::RsaPublicKey key;
};

struct PkiOptions {
  Bytes rid{0xA0, 0x00, 0x00, 0x00, 0x04};
  std::uint8_t ca_index = 0xF1;  // test keys live outside the payment networks' ranges
  std::size_t ca_bits = 1408, issuer_bits = 1152, icc_bits = 1024;
  std::uint32_t exponent = 3;
  std::string certificate_expiry = "1249";  // MMYY (Book 4 windowing: YY 00-49 is 20YY)
};

struct TestPki {
  crypto::RsaPrivateKey ca;
  CaPublicKey ca_public;
  crypto::RsaPrivateKey issuer;
  crypto::emv::IssuedCertificate issuer_certificate;
  crypto::RsaPrivateKey icc;
  crypto::emv::IssuedCertificate icc_certificate;
};

// Generates the keys and certifies them for `card` (its PAN and its static data to authenticate).
TestPki make_test_pki(const iso7816::emv::CardData& card, const PkiOptions& options = {});

struct ProfileOptions {
  std::string label = "SESAME PAY";
  std::string name = "SESAME/TEST";
  int arpc_method = 1;
  unsigned lower_consecutive = 3, upper_consecutive = 5;
  std::uint64_t lower_amount = 5000, upper_amount = 10000;
  // Issuer scripts: the issuer master keys for SMI and SMC (both or neither; the card derives its
  // keys, option A), the card's failure limit, and an optional initial PIN (4-12 digits).
  SecureBytes issuer_master_key_smi, issuer_master_key_smc;
  unsigned script_failure_limit = 3;
  std::string pin;
  // GP Amendment C: the payment application's contactless group (0: its own; docs/EMV.md).
  unsigned contactless_group = 0;
};

// The applet's install parameters: the JSON profile. The card derives its ICC master key from
// `issuer_master_key_ac` (Book 2 A1.4 option A); `pki` may be null (no CDA). It holds key
// material, hence the zeroizing string.
SecureString make_profile_json(const iso7816::emv::CardData& card, const TestPki* pki,
                              const SecureBytes& issuer_master_key_ac, const ProfileOptions& options = {});

}  // namespace sesame::host::emv
