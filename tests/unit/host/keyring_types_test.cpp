// The keyring policy rules, the registration authority's signed activation package and the
// proof-of-transaction layout (docs/SIGNING.md). No published vectors exist for these
// sesame-specific formats; the tests check round trips, exact-length parsing and signatures.
#include "host/keyring/keyring_types.h"

#include <gtest/gtest.h>

#include "crypto/ecdsa.h"
#include "crypto/random.h"
#include "iso7816/keyring_protocol.h"
#include "util/error.h"

namespace sesame::host::keyring {
namespace {

namespace kp = iso7816::keyring;

ActivationPackage sample() {
  ActivationPackage p;
  p.keyring_id = crypto::random_bytes(16);
  p.identity = "Anna Example, born 1990-01-01";
  p.salt = crypto::random_bytes(16);
  p.created_ms = 1765000000000;
  p.policy.roaming_allowed = true;
  p.policy.request_lifetime_s = 120;
  return p;
}

Errc errc(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return Errc::internal;
}

TEST(KeyringPolicy, PinFloorsAndLimits) {
  KeyringPolicy p;
  EXPECT_NO_THROW(validate(p));
  p.min_pin_length = 5;
  EXPECT_EQ(errc([&] { validate(p); }), Errc::invalid_argument);  // signature keyrings: 6
  p.kind = KeyringKind::authentication;
  EXPECT_NO_THROW(validate(p));
  p.min_pin_length = 3;
  EXPECT_EQ(errc([&] { validate(p); }), Errc::invalid_argument);  // authentication: 4
  p = KeyringPolicy{};
  p.try_limit = 0;
  EXPECT_EQ(errc([&] { validate(p); }), Errc::invalid_argument);
  p = KeyringPolicy{};
  p.scrypt_log2_n = 9;
  EXPECT_EQ(errc([&] { validate(p); }), Errc::invalid_argument);
}

TEST(KeyringPackage, RoundTripAndSignature) {
  const auto ra = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  const ActivationPackage p = sample();
  SignedPackage sp{encode_package(p), {}};
  sp.signature = crypto::ecdsa_sign(ra, crypto::SignatureHash::sha256, sp.package, crypto::EcdsaFormat::raw);
  const ActivationPackage q = verify_package(sp, ra.public_key());
  EXPECT_EQ(q.keyring_id, p.keyring_id);
  EXPECT_EQ(q.identity, p.identity);
  EXPECT_EQ(q.salt, p.salt);
  EXPECT_EQ(q.created_ms, p.created_ms);
  EXPECT_TRUE(q.policy.roaming_allowed);
  EXPECT_EQ(q.policy.request_lifetime_s, 120u);
  // Any altered byte breaks the signature; another key is refused.
  for (std::size_t i = 0; i < sp.package.size(); i += 7) {
    SignedPackage bad = sp;
    bad.package[i] ^= 0x01;
    EXPECT_EQ(errc([&] { verify_package(bad, ra.public_key()); }), Errc::crypto) << i;
  }
  EXPECT_EQ(
      errc([&] { verify_package(sp, crypto::EcPrivateKey::generate(crypto::Curve::p256).public_key()); }),
      Errc::crypto);
}

TEST(KeyringPackage, ExactLengthAndValidPolicy) {
  Bytes b = encode_package(sample());
  Bytes longer = b;
  longer.push_back(0);
  EXPECT_EQ(errc([&] { decode_package(longer); }), Errc::parse);
  EXPECT_EQ(errc([&] { decode_package(ByteView(b).first(b.size() - 1)); }), Errc::parse);
  Bytes weak = b;
  weak[4 + 16 + 2 + sample().identity.size() + 1] = 2;  // min PIN length 2
  EXPECT_EQ(errc([&] { decode_package(weak); }), Errc::parse);
  EXPECT_EQ(errc([&] { decode_package(Bytes{'S', 'K', 'A'}); }), Errc::parse);
}

TEST(KeyringReceipt, RoundTripAndExactLength) {
  kp::Receipt r{
      crypto::random_bytes(16), Bytes{'r', '1'}, Bytes(32, 1), Bytes(32, 2), Bytes(16, 3), 1765000000123};
  const Bytes b = kp::encode_receipt(r);
  const kp::Receipt q = kp::decode_receipt(b);
  EXPECT_EQ(q.keyring_id, r.keyring_id);
  EXPECT_EQ(q.request_id, r.request_id);
  EXPECT_EQ(q.description_hash, r.description_hash);
  EXPECT_EQ(q.signed_hash, r.signed_hash);
  EXPECT_EQ(q.terminal_id, r.terminal_id);
  EXPECT_EQ(q.time_ms, r.time_ms);
  Bytes bad = b;
  bad.pop_back();
  EXPECT_EQ(errc([&] { kp::decode_receipt(bad); }), Errc::parse);
  bad = b;
  bad[20] = 200;  // request id length beyond the data
  EXPECT_EQ(errc([&] { kp::decode_receipt(bad); }), Errc::parse);
}

TEST(KeyringEnvelope, BoundToInstructionKeyringAndRequest) {
  const SecureBytes k = crypto::random_secret(32);
  const Bytes id = crypto::random_bytes(16), req{'a'};
  const Bytes sealed = kp::seal_envelope(k.view(), kp::Ins::approve_finish, id, req, Bytes{1, 2, 3});
  EXPECT_EQ(kp::open_envelope(k.view(), kp::Ins::approve_finish, id, req, sealed), (SecureBytes{1, 2, 3}));
  EXPECT_EQ(errc([&] { kp::open_envelope(k.view(), kp::Ins::activate_finish, id, req, sealed); }),
            Errc::crypto);
  EXPECT_EQ(errc([&] { kp::open_envelope(k.view(), kp::Ins::approve_finish, id, Bytes{'b'}, sealed); }),
            Errc::crypto);
  Bytes other = id;
  other[0] ^= 1;
  EXPECT_EQ(errc([&] { kp::open_envelope(k.view(), kp::Ins::approve_finish, other, req, sealed); }),
            Errc::crypto);
}

}  // namespace
}  // namespace sesame::host::keyring
