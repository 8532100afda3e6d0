// The ECDH-ES envelope (crypto/ecdh_envelope.h) that carries the WSCA PIN. No published test
// vector exists for this exact composition; the test recomputes it step by step from primitives
// that have their own published vectors (ecdh: ec_key_test, HKDF: RFC 5869 in hkdf_test, AES-GCM:
// aes_gcm_test), so the construction matches docs/WSCA.md, and checks every refusal.
#include "crypto/ecdh_envelope.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "crypto/aes_gcm.h"
#include "crypto/hkdf.h"

namespace sesame::crypto {
namespace {

const Bytes kSalt(32, 0x5A);
constexpr std::string_view kInfo = "sesame/wsca/pin/v1";
const Bytes kAad{0x14, 0, 0, 0, 1};
const Bytes kPin{0x81, 0x06, '1', '2', '3', '4', '5', '6'};

TEST(EcdhEnvelopeTest, MatchesTheDocumentedConstruction) {
  const auto recipient = EcPrivateKey::generate(Curve::p256);
  const auto env = ecdh_envelope_seal(recipient.public_key(), kSalt, as_bytes(kInfo), kAad, kPin);
  ASSERT_EQ(env.ephemeral_point.size(), 65u);
  ASSERT_EQ(env.iv.size(), 12u);
  ASSERT_EQ(env.box.size(), kPin.size() + 16);
  const SecureBytes z = ecdh(recipient, EcPublicKey::from_point(Curve::p256, env.ephemeral_point));
  const SecureBytes k = hkdf(HashAlg::sha256, kSalt, z.view(), as_bytes(kInfo), 32);
  EXPECT_EQ(aes_gcm_decrypt(k.view(), env.iv, kAad, env.box).reveal(), kPin);
  EXPECT_EQ(ecdh_envelope_open(recipient, env, kSalt, as_bytes(kInfo), kAad).reveal(), kPin);
}

TEST(EcdhEnvelopeTest, EveryChangeIsRefused) {
  const auto recipient = EcPrivateKey::generate(Curve::p256);
  const auto env = ecdh_envelope_seal(recipient.public_key(), kSalt, as_bytes(kInfo), kAad, kPin);
  auto box = env;
  box.box.back() ^= 1;
  test::expect_errc(Errc::crypto, [&] { ecdh_envelope_open(recipient, box, kSalt, as_bytes(kInfo), kAad); });
  auto iv = env;
  iv.iv[0] ^= 1;
  test::expect_errc(Errc::crypto, [&] { ecdh_envelope_open(recipient, iv, kSalt, as_bytes(kInfo), kAad); });
  test::expect_errc(Errc::crypto,
                    [&] { ecdh_envelope_open(recipient, env, Bytes(32, 0), as_bytes(kInfo), kAad); });
  test::expect_errc(Errc::crypto,
                    [&] { ecdh_envelope_open(recipient, env, kSalt, as_bytes("other"), kAad); });
  test::expect_errc(Errc::crypto, [&] {
    ecdh_envelope_open(recipient, env, kSalt, as_bytes(kInfo), Bytes{0x12, 0, 0, 0, 1});
  });
  const auto stranger = EcPrivateKey::generate(Curve::p256);
  test::expect_errc(Errc::crypto, [&] { ecdh_envelope_open(stranger, env, kSalt, as_bytes(kInfo), kAad); });
  auto eph = env;
  eph.ephemeral_point = EcPrivateKey::generate(Curve::p256).public_key().to_uncompressed_point();
  test::expect_errc(Errc::crypto, [&] { ecdh_envelope_open(recipient, eph, kSalt, as_bytes(kInfo), kAad); });
  auto off_curve = env;
  off_curve.ephemeral_point.back() ^= 1;
  EXPECT_THROW(ecdh_envelope_open(recipient, off_curve, kSalt, as_bytes(kInfo), kAad), Error);
  auto compressed = env;
  compressed.ephemeral_point = EcPrivateKey::generate(Curve::p256).public_key().to_compressed_point();
  test::expect_errc(Errc::parse,
                    [&] { ecdh_envelope_open(recipient, compressed, kSalt, as_bytes(kInfo), kAad); });
  auto short_iv = env;
  short_iv.iv.pop_back();
  test::expect_errc(Errc::parse,
                    [&] { ecdh_envelope_open(recipient, short_iv, kSalt, as_bytes(kInfo), kAad); });
}

TEST(EcdhEnvelopeTest, FreshEphemeralKeyAndIvEachTime) {
  const auto recipient = EcPrivateKey::generate(Curve::p256);
  const auto a = ecdh_envelope_seal(recipient.public_key(), kSalt, as_bytes(kInfo), kAad, kPin);
  const auto b = ecdh_envelope_seal(recipient.public_key(), kSalt, as_bytes(kInfo), kAad, kPin);
  EXPECT_NE(a.ephemeral_point, b.ephemeral_point);
  EXPECT_NE(a.box, b.box);
}

}  // namespace
}  // namespace sesame::crypto
