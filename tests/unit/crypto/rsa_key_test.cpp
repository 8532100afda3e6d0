#include "crypto/rsa_key.h"

#include <gtest/gtest.h>

#include "crypto/ec_key.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/rsa_signature.h"
#include "../common/expect_errc.h"
#include "hex_expect.h"
#include "util/hex.h"

namespace sesame::crypto {
namespace {

using test::expect_errc;

// NIST CAVP "SigGen PKCS#1 Ver 1.5" response file SigGen15_186-3.rsp (CAVS 10.1), [mod = 1024],
// first SHA256 record.
constexpr std::string_view kCavpN =
    "a3ecf80ff1804833c36a89a1583f58ef3332476a50a153e73ced17796139636045c131a6b17222ba8848f70150b18dfa"
    "390bfb1670ae982dfbc311fd0ede055564687af3805ca883944bb5ac9ec19b0e0cfbd9a314d70b17080c3d49b50cbf41"
    "7062eb41bd639d67a5fb330ec55a0489fee08eeec97ed487c114b20393fe0aef";
constexpr std::string_view kCavpMsg =
    "dfce08b64b9ea4014947012670548da4ceeee084dbfe509aac92bf096982b8050153bbdd1c5bd4385226729e9a19773b"
    "05558ce0acdfb74be6fd2fa8bfe36f58a68e89f066f1bd85584f4a27d6e884abf2d727ae683bebd6d295585b1b71dcc6"
    "36491bf910a68670c3882fc60c08db7bff3c59f4f95b13c3d721e329657528d9";
constexpr std::string_view kCavpS =
    "8D9D30A87DF0C2F6CD651FCAF2B9AC1296287AD3D4B03132E330F08AB701FC197040D0A261F631E7E34478B592551E1F"
    "682395C9E2B54C8CE8B0C72C1B5A79748CC34F9152730A7F67FAE1225A4CE750F1D5D4E288176DF197E7503C88B5BAEC"
    "EF3ABCF2875F111E6D7F7B4DC8AFA2ED3C1D7AD8E7CF45A77F0B1CB178518402";

TEST(RsaPublicKey, RawPublicRecoversCavpPkcs1Encoding) {
  const auto key = RsaPublicKey::from_components(from_hex(kCavpN), from_hex("1001"));
  EXPECT_EQ(key.bits(), 1024u);
  EXPECT_EQ(key.modulus_size(), 128u);
  EXPECT_HEX(key.public_exponent(), "1001");
  // S^e mod n must be EMSA-PKCS1-v1_5(SHA-256(Msg)) (RFC 8017 9.2): 00 01 FF.. 00 DigestInfo H.
  const std::string digest_info = "3031300D060960864801650304020105000420";
  const std::string em = "0001" + std::string(2 * (128 - 3 - 19 - 32), 'F') + "00" + digest_info +
                         to_hex(hash(HashAlg::sha256, from_hex(kCavpMsg)));
  EXPECT_HEX(key.raw_public(from_hex(kCavpS)), em);
}

TEST(RsaPublicKey, SpkiRoundTripAndTypeCheck) {
  const auto key = RsaPublicKey::from_components(from_hex(kCavpN), from_hex("010001"));
  const Bytes der = key.to_spki_der();
  // SEQUENCE { SEQUENCE { rsaEncryption, NULL } BIT STRING { RSAPublicKey } } (RFC 8017 A.1.1).
  EXPECT_HEX(Bytes(der.begin(), der.begin() + 22), "30819F300D06092A864886F70D010101050003818D00");
  EXPECT_EQ(RsaPublicKey::from_spki_der(der), key);
  EXPECT_HEX(RsaPublicKey::from_spki_der(der).modulus(), kCavpN);
  const auto ec = EcPrivateKey::generate(Curve::p256);
  expect_errc(Errc::crypto, [&] { RsaPublicKey::from_spki_der(ec.public_key().to_spki_der()); });
  expect_errc(Errc::parse, [] { RsaPublicKey::from_spki_der(from_hex("3000")); });
}

TEST(RsaPublicKey, RefusesBadComponents) {
  Bytes even = from_hex(kCavpN);
  even.back() &= 0xFE;
  expect_errc(Errc::crypto, [&] { RsaPublicKey::from_components(even, from_hex("010001")); });
  expect_errc(Errc::crypto, [] { RsaPublicKey::from_components(Bytes(64, 0xFF), from_hex("03")); });  // 512 bits
  expect_errc(Errc::crypto, [] { RsaPublicKey::from_components(from_hex(kCavpN), from_hex("010000")); });
  expect_errc(Errc::crypto, [] { RsaPublicKey::from_components(from_hex(kCavpN), from_hex("01")); });
}

TEST(RsaPublicKey, RawPublicRefusesInputNotBelowModulus) {
  const auto key = RsaPublicKey::from_components(from_hex(kCavpN), from_hex("010001"));
  expect_errc(Errc::invalid_argument, [&] { key.raw_public(from_hex(kCavpN)); });
  expect_errc(Errc::invalid_argument, [&] { key.raw_public(Bytes(128, 0xFF)); });
  expect_errc(Errc::invalid_argument, [&] { key.raw_public(Bytes(127, 0x01)); });
  expect_errc(Errc::invalid_argument, [&] { key.raw_public(Bytes(129, 0x00)); });
}

// Every size sesame generates, including EMV's odd issuer/ICC sizes: the raw private operation is
// the inverse of the raw public one, and both signature schemes round-trip.
class RsaKeySizes : public ::testing::TestWithParam<std::size_t> {};

TEST_P(RsaKeySizes, GenerateRawOpsAndRoundTrips) {
  const std::size_t bits = GetParam();
  const auto key = RsaPrivateKey::generate(bits);
  EXPECT_EQ(key.bits(), bits);
  EXPECT_EQ(key.modulus_size(), bits / 8);
  EXPECT_HEX(key.public_key().public_exponent(), "010001");

  // EMV-style recovery: x < n (first byte 6A as in EMV signed data), x^d then ^e gives x back.
  Bytes x = random_bytes(key.modulus_size());
  x.front() = 0x6A;
  x.back() = 0xBC;
  const Bytes sig = key.raw_private(x);
  EXPECT_EQ(sig.size(), key.modulus_size());
  EXPECT_NE(sig, x);
  EXPECT_EQ(key.public_key().raw_public(sig), x);
  expect_errc(Errc::invalid_argument, [&] { key.raw_private(key.public_key().modulus()); });
  expect_errc(Errc::invalid_argument, [&] { key.raw_private(Bytes(key.modulus_size(), 0xFF)); });

  const ByteView msg = as_bytes("sesame");
  for (auto padding : {RsaPadding::pkcs1_v15, RsaPadding::pss}) {
    const RsaSignatureScheme scheme{padding, HashAlg::sha256, std::nullopt};
    const Bytes s = rsa_sign(key, scheme, msg);
    EXPECT_EQ(s.size(), key.modulus_size());
    EXPECT_TRUE(rsa_verify(key.public_key(), scheme, msg, s));
    EXPECT_FALSE(rsa_verify(key.public_key(), scheme, as_bytes("sesamf"), s));
  }

  const SecureBytes p8 = key.to_pkcs8_der();
  const auto back = RsaPrivateKey::from_pkcs8_der(p8.view());
  EXPECT_EQ(back.public_key(), key.public_key());
  EXPECT_EQ(back.raw_private(x), sig);
  EXPECT_EQ(RsaPublicKey::from_spki_der(key.public_key().to_spki_der()), key.public_key());
}

INSTANTIATE_TEST_SUITE_P(EmvAndPkiSizes, RsaKeySizes,
                         ::testing::Values(1024, 1152, 1408, 1984, 2048, 3072, 4096));

TEST(RsaPrivateKey, RefusesUnsupportedSizesAndExponents) {
  expect_errc(Errc::invalid_argument, [] { RsaPrivateKey::generate(512); });
  expect_errc(Errc::invalid_argument, [] { RsaPrivateKey::generate(1020); });
  expect_errc(Errc::invalid_argument, [] { RsaPrivateKey::generate(4104); });
  expect_errc(Errc::invalid_argument, [] { RsaPrivateKey::generate(2048, 4); });
}

TEST(RsaPrivateKey, EmvExponentThree) {
  const auto key = RsaPrivateKey::generate(1152, 3);
  EXPECT_HEX(key.public_key().public_exponent(), "03");
  Bytes x(key.modulus_size(), 0x5A);
  x.front() = 0x6A;
  EXPECT_EQ(key.public_key().raw_public(key.raw_private(x)), x);
}

TEST(RsaPrivateKey, ComponentsRoundTripAndConsistencyCheck) {
  const auto key = RsaPrivateKey::generate(1024);
  const RsaPrivateComponents c = key.reveal_components();
  EXPECT_EQ(c.n, key.public_key().modulus());
  EXPECT_FALSE(c.p.empty());
  EXPECT_FALSE(c.qinv.empty());
  Bytes x(key.modulus_size(), 0x33);
  const auto crt = RsaPrivateKey::from_components(c);
  EXPECT_EQ(crt.raw_private(x), key.raw_private(x));

  // Without CRT components (n, e, d only).
  RsaPrivateComponents plain;
  plain.n = c.n;
  plain.e = c.e;
  plain.d = c.d;
  EXPECT_EQ(RsaPrivateKey::from_components(plain).raw_private(x), key.raw_private(x));

  // A d that does not belong to (n, e) is refused, with and without CRT components.
  RsaPrivateComponents bad_plain = plain;
  bad_plain.d.data()[bad_plain.d.size() - 1] ^= 0x02;
  expect_errc(Errc::crypto, [&] { RsaPrivateKey::from_components(bad_plain); });
  RsaPrivateComponents bad_crt = c;
  bad_crt.q.data()[bad_crt.q.size() - 1] ^= 0x02;
  expect_errc(Errc::crypto, [&] { RsaPrivateKey::from_components(bad_crt); });
  RsaPrivateComponents partial = c;
  partial.dq = SecureBytes();
  expect_errc(Errc::invalid_argument, [&] { RsaPrivateKey::from_components(partial); });
}

// from_checked_pkcs8_der: the same key as from_pkcs8_der gives, without the consistency checks
// (for keys checked once and kept sealed); malformed DER is still refused.
TEST(RsaPrivateKey, CheckedPkcs8DecodesTheSameKey) {
  const RsaPrivateKey key = RsaPrivateKey::generate(1024, 3);
  const SecureBytes der = key.to_pkcs8_der();
  const RsaPrivateKey again = RsaPrivateKey::from_checked_pkcs8_der(der.view());
  Bytes x(key.modulus_size(), 0);
  x[1] = 0x6A;
  x.back() = 0xBC;
  EXPECT_EQ(again.raw_private(x), key.raw_private(x));
  EXPECT_EQ(again.public_key().modulus(), key.public_key().modulus());
  Bytes broken(der.view().begin(), der.view().end());
  broken.resize(broken.size() / 2);
  EXPECT_THROW(RsaPrivateKey::from_checked_pkcs8_der(broken), Error);
  Bytes trailing(der.view().begin(), der.view().end());
  trailing.push_back(0x00);
  expect_errc(Errc::parse, [&] { RsaPrivateKey::from_checked_pkcs8_der(trailing); });
  const SecureBytes ec = EcPrivateKey::generate(Curve::p256).to_pkcs8_der();
  expect_errc(Errc::crypto, [&] { RsaPrivateKey::from_checked_pkcs8_der(ec.view()); });
}

}  // namespace
}  // namespace sesame::crypto
