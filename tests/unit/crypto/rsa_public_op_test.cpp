// The public RSA operation on BIGNUMs (e = 3 by two modular products, other exponents with a
// Montgomery context kept with the key) and the EVP_PKEY built on first use: checked against
// OpenSSL's own private operation and EVP signature code, also when several threads use a fresh
// key at once.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "crypto/random.h"
#include "crypto/rsa_key.h"
#include "crypto/rsa_signature.h"

namespace sesame::crypto {
namespace {

Bytes below_modulus(const RsaPublicKey& k) {
  Bytes x = random_bytes(k.modulus_size());
  x.front() = 0x6A;  // below the modulus, as an EMV signed data block is
  return x;
}

TEST(RsaPublicOp, ExponentThreeAndF4AgreeWithThePrivateOperation) {
  for (std::uint32_t e : {3u, 65537u}) {
    const auto key = RsaPrivateKey::generate(1408, e);
    // A public key rebuilt from its components, as an EMV kernel rebuilds a recovered key.
    const auto pub = RsaPublicKey::from_components(key.public_key().modulus(), key.public_key().public_exponent());
    for (int i = 0; i < 4; ++i) {
      const Bytes x = below_modulus(pub);
      EXPECT_EQ(pub.raw_public(key.raw_private(x)), x) << "e=" << e;
      EXPECT_EQ(key.raw_private(pub.raw_public(x)), x) << "e=" << e;
    }
  }
}

TEST(RsaPublicOp, EvpKeyBuiltOnFirstUseVerifiesSignatures) {
  const auto key = RsaPrivateKey::generate(1024, 3);
  const RsaSignatureScheme scheme{RsaPadding::pkcs1_v15, HashAlg::sha256, std::nullopt};
  const Bytes sig = rsa_sign(key, scheme, as_bytes("sesame"));
  // Used for the raw operation first, then (EVP_PKEY built now) for a signature and its SPKI.
  const auto pub = RsaPublicKey::from_components(key.public_key().modulus(), Bytes{0x03});
  EXPECT_EQ(pub.raw_public(key.raw_private(Bytes(pub.modulus_size(), 0x01))), Bytes(pub.modulus_size(), 0x01));
  EXPECT_TRUE(rsa_verify(pub, scheme, as_bytes("sesame"), sig));
  EXPECT_FALSE(rsa_verify(pub, scheme, as_bytes("sesamf"), sig));
  EXPECT_EQ(RsaPublicKey::from_spki_der(pub.to_spki_der()), pub);
}

TEST(RsaPublicOp, FreshKeyUsedFromSeveralThreadsAtOnce) {
  const auto key = RsaPrivateKey::generate(1024, 65537);
  const Bytes x = below_modulus(key.public_key());
  const Bytes sig = key.raw_private(x);
  for (int round = 0; round < 4; ++round) {
    const auto pub = RsaPublicKey::from_components(key.public_key().modulus(), key.public_key().public_exponent());
    std::vector<Bytes> raw(4), spki(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < raw.size(); ++t)
      threads.emplace_back([&, t] {
        raw[t] = pub.raw_public(sig);
        spki[t] = pub.to_spki_der();
      });
    for (auto& t : threads) t.join();
    for (std::size_t t = 0; t < raw.size(); ++t) {
      EXPECT_EQ(raw[t], x);
      EXPECT_EQ(spki[t], key.public_key().to_spki_der());
    }
  }
}

}  // namespace
}  // namespace sesame::crypto
