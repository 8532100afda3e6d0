#include "crypto/ecdsa.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "crypto/hash.h"
#include "../common/expect_errc.h"
#include "hex_expect.h"
#include "util/hex.h"

namespace sesame::crypto {
namespace {

using test::expect_errc;

// RFC 6979 appendix A.2.5 (ECDSA, 256 bits, prime field: P-256): public key U and the published
// deterministic signatures. OpenSSL 3.0 signs with random k, so these are verified, not reproduced.
EcPublicKey rfc6979_key() {
  return EcPublicKey::from_point(Curve::p256,
                                 from_hex("04"
                                          "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
                                          "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"));
}

struct Rfc6979Case {
  const char* message;
  SignatureHash hash;
  const char* r;
  const char* s;
};

constexpr Rfc6979Case kRfc6979[] = {
    {"sample", SignatureHash::sha256, "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
     "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"},
    {"sample", SignatureHash::sha384, "0EAFEA039B20E9B42309FB1D89E213057CBF973DC0CFC8F129EDDDC800EF7719",
     "4861F0491E6998B9455193E34E7B0D284DDD7149A74B95B9261F13ABDE940954"},
    {"sample", SignatureHash::sha512, "8496A60B5E9B47C825488827E0495B0E3FA109EC4568FD3F8D1097678EB97F00",
     "2362AB1ADBE2B8ADF9CB9EDAB740EA6049C028114F2460F96554F61FAE3302FE"},
    {"test", SignatureHash::sha256, "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
     "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083"},
};

TEST(Ecdsa, VerifiesRfc6979P256Vectors) {
  const auto key = rfc6979_key();
  for (const auto& v : kRfc6979) {
    const Bytes raw = from_hex(std::string(v.r) + v.s);
    EXPECT_TRUE(ecdsa_verify(key, v.hash, as_bytes(v.message), raw, EcdsaFormat::raw)) << v.message;
    const Bytes der = ecdsa_raw_to_der(raw);
    EXPECT_TRUE(ecdsa_verify(key, v.hash, as_bytes(v.message), der)) << v.message;
    EXPECT_TRUE(ecdsa_verify_digest(key, hash(v.hash, as_bytes(v.message)), der)) << v.message;
    // Wrong message, wrong hash, flipped signature bit.
    EXPECT_FALSE(ecdsa_verify(key, v.hash, as_bytes("samplf"), raw, EcdsaFormat::raw));
    EXPECT_FALSE(ecdsa_verify(key, v.hash == SignatureHash::sha256 ? SignatureHash::sha384 : SignatureHash::sha256,
                              as_bytes(v.message), raw, EcdsaFormat::raw));
    Bytes bad = raw;
    bad[40] ^= 0x01;
    EXPECT_FALSE(ecdsa_verify(key, v.hash, as_bytes(v.message), bad, EcdsaFormat::raw));
  }
}

TEST(Ecdsa, DerRawConversionKnownEncoding) {
  // r and s of "sample" both have the top bit set, so each INTEGER gets a 00 prefix; "test"'s s
  // starts with 01 and keeps its 32 bytes.
  const std::string r1 = kRfc6979[0].r, s1 = kRfc6979[0].s;
  const std::string der1 = "3046022100" + r1 + "022100" + s1;
  EXPECT_HEX(ecdsa_raw_to_der(from_hex(r1 + s1)), der1);
  EXPECT_HEX(ecdsa_der_to_raw(Curve::p256, from_hex(der1)), r1 + s1);
  const std::string r2 = kRfc6979[3].r, s2 = kRfc6979[3].s;
  const std::string der2 = "3045022100" + r2 + "0220" + s2;
  EXPECT_HEX(ecdsa_raw_to_der(from_hex(r2 + s2)), der2);
  EXPECT_HEX(ecdsa_der_to_raw(Curve::p256, from_hex(der2)), r2 + s2);
  // Small values are zero-padded to the field size in raw form.
  EXPECT_HEX(ecdsa_der_to_raw(Curve::p256, from_hex("3006020101020102")),
             std::string(62, '0') + "01" + std::string(62, '0') + "02");
}

TEST(Ecdsa, RefusesMalformedDer) {
  const std::string r2 = kRfc6979[3].r, s2 = kRfc6979[3].s;
  // Non-minimal INTEGER (extra leading zero on s), trailing byte, wrong outer tag, r too wide.
  const std::string non_minimal = "3046022100" + r2 + "022100" + s2;
  expect_errc(Errc::parse, [&] { ecdsa_der_to_raw(Curve::p256, from_hex(non_minimal)); });
  expect_errc(Errc::parse, [&] { ecdsa_der_to_raw(Curve::p256, from_hex("3045022100" + r2 + "0220" + s2 + "00")); });
  expect_errc(Errc::parse, [&] { ecdsa_der_to_raw(Curve::p256, from_hex("3145022100" + r2 + "0220" + s2)); });
  expect_errc(Errc::parse, [&] { ecdsa_der_to_raw(Curve::p256, from_hex("3026022101" + r2 + "020101")); });
  expect_errc(Errc::parse, [&] { ecdsa_raw_to_der(from_hex("010203")); });
  // Verification answers false rather than throwing for such signatures.
  const auto key = rfc6979_key();
  EXPECT_FALSE(ecdsa_verify(key, SignatureHash::sha256, as_bytes("test"), from_hex(non_minimal)));
  EXPECT_FALSE(ecdsa_verify(key, SignatureHash::sha256, as_bytes("test"), from_hex(r2 + s2 + "00"), EcdsaFormat::raw));
  EXPECT_FALSE(ecdsa_verify(key, SignatureHash::sha256, as_bytes("test"), Bytes{}, EcdsaFormat::raw));
}

TEST(Ecdsa, SignVerifyRoundTripEveryCurve) {
  for (Curve c : {Curve::p224, Curve::p256, Curve::p384, Curve::p521, Curve::brainpool_p224r1,
                  Curve::brainpool_p256r1, Curve::brainpool_p320r1, Curve::brainpool_p384r1,
                  Curve::brainpool_p512r1}) {
    auto key = EcPrivateKey::generate(c);
    const std::string_view name = curve_name(c);
    const Bytes msg(name.begin(), name.end());
    for (auto h : {SignatureHash::sha256, SignatureHash::sha384, SignatureHash::sha512}) {
      const Bytes raw = ecdsa_sign(key, h, msg, EcdsaFormat::raw);
      EXPECT_EQ(raw.size(), 2 * field_size(c));
      EXPECT_TRUE(ecdsa_verify(key.public_key(), h, msg, raw, EcdsaFormat::raw)) << curve_name(c);
      const Bytes der = ecdsa_sign(key, h, msg);
      EXPECT_TRUE(ecdsa_verify(key.public_key(), h, msg, der)) << curve_name(c);
      EXPECT_EQ(ecdsa_raw_to_der(ecdsa_der_to_raw(c, der)), der);
      // Another key does not verify it.
      EXPECT_FALSE(ecdsa_verify(EcPrivateKey::generate(c).public_key(), h, msg, der));
    }
  }
}

TEST(Ecdsa, DigestLengthIsCheckedAndSha1Works) {
  auto key = EcPrivateKey::generate(Curve::p256);
  expect_errc(Errc::invalid_argument, [&] { ecdsa_sign_digest(key, Bytes(10, 1)); });
  expect_errc(Errc::invalid_argument, [&] { ecdsa_verify_digest(key.public_key(), Bytes(65, 1), Bytes(64, 1)); });
  const Bytes d = hash(SignatureHash::sha1, as_bytes("passport"));
  EXPECT_TRUE(ecdsa_verify_digest(key.public_key(), d, ecdsa_sign_digest(key, d)));
}

TEST(Ecdsa, OneKeySharedByThreads) {
  const auto key = EcPrivateKey::generate(Curve::brainpool_p256r1);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const Bytes msg{static_cast<std::uint8_t>(t), static_cast<std::uint8_t>(i)};
        ok[t] += ecdsa_verify(key.public_key(), SignatureHash::sha256, msg, ecdsa_sign(key, SignatureHash::sha256, msg));
      }
    });
  for (auto& th : threads) th.join();
  for (int v : ok) EXPECT_EQ(v, 20);
}

}  // namespace
}  // namespace sesame::crypto
