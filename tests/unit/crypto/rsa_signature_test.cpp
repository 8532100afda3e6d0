#include "crypto/rsa_signature.h"

#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "../common/expect_errc.h"
#include "util/hex.h"

namespace sesame::crypto {
namespace {

using test::expect_errc;

// NIST CAVP SigGen15_186-3.rsp (CAVS 10.1, "SigGen PKCS#1 Ver 1.5"), [mod = 1024], first SHA256 record.
constexpr std::string_view kPkcs1N =
    "a3ecf80ff1804833c36a89a1583f58ef3332476a50a153e73ced17796139636045c131a6b17222ba8848f70150b18dfa"
    "390bfb1670ae982dfbc311fd0ede055564687af3805ca883944bb5ac9ec19b0e0cfbd9a314d70b17080c3d49b50cbf41"
    "7062eb41bd639d67a5fb330ec55a0489fee08eeec97ed487c114b20393fe0aef";
constexpr std::string_view kPkcs1Msg =
    "dfce08b64b9ea4014947012670548da4ceeee084dbfe509aac92bf096982b8050153bbdd1c5bd4385226729e9a19773b"
    "05558ce0acdfb74be6fd2fa8bfe36f58a68e89f066f1bd85584f4a27d6e884abf2d727ae683bebd6d295585b1b71dcc6"
    "36491bf910a68670c3882fc60c08db7bff3c59f4f95b13c3d721e329657528d9";
constexpr std::string_view kPkcs1S =
    "8D9D30A87DF0C2F6CD651FCAF2B9AC1296287AD3D4B03132E330F08AB701FC197040D0A261F631E7E34478B592551E1F"
    "682395C9E2B54C8CE8B0C72C1B5A79748CC34F9152730A7F67FAE1225A4CE750F1D5D4E288176DF197E7503C88B5BAEC"
    "EF3ABCF2875F111E6D7F7B4DC8AFA2ED3C1D7AD8E7CF45A77F0B1CB178518402";

// NIST CAVP SigGenPSS_186-3.rsp (CAVS 10.1, "SigGen PKCS#1 RSASSA-PSS", salt length 0),
// [mod = 1024], first SHA256 record.
constexpr std::string_view kPssN =
    "c87155f3d9f3771f6ab89ef30cd36230463902ff0633aa869b6dbd7592c83f4b2f882739ff499f1499fb0db4586c7f7b"
    "2dfd5a37dbe0df37dea9d0d5814a4047b647c1d8eb356ebae6a198899f97c25f9182fab2b6be88384a1b8cb16a82a05a"
    "aadf610ce2e045b41b8880a13b7133ea07296126471c9a450ae48bc880102c8b";
constexpr std::string_view kPssMsg =
    "19828d058058243557e29ec3f95b566fb4292c6e7dc0d56ae1c475cb3f6d6f3535307b51589cfad1288287ae4358cfb4"
    "d8dfa2415f044a4a87041b9e70d44b6f1bc0040e1f52b8f69d75b50c75daf925ba9b47c9641f7a37453d1aa83fa42dd8"
    "b37a4fc33c4305ac9e054f64f9a97cc943a5428df4d80e3903b5997112a4bc79";
constexpr std::string_view kPssS =
    "A3263F4C84AB6EF687A3853E5D91D296B125428F80F3C4DCEFCF4FB7F1C41CEBF9AA3CFD0CF2B617EC2DF8AB3379FFCC"
    "7FDF72EC659940E0DCDFA453BEF7E9172941B5C8AAF87E58DE3316F103856D922AE5929B3B6CF2A7BBF95C49DDBD8C15"
    "B4AC73370D0A28B20514637ABFF56157E15DF57C5860EDEBED44D4917F2D1F8B";

TEST(RsaSignature, VerifiesCavpPkcs1v15Vector) {
  const auto key = RsaPublicKey::from_components(from_hex(kPkcs1N), from_hex("1001"));
  const RsaSignatureScheme scheme{RsaPadding::pkcs1_v15, HashAlg::sha256, std::nullopt};
  const Bytes msg = from_hex(kPkcs1Msg);
  const Bytes sig = from_hex(kPkcs1S);
  EXPECT_TRUE(rsa_verify(key, scheme, msg, sig));
  EXPECT_TRUE(rsa_verify_digest(key, scheme, hash(HashAlg::sha256, msg), sig));
  Bytes bad = sig;
  bad[5] ^= 0x01;
  EXPECT_FALSE(rsa_verify(key, scheme, msg, bad));
  Bytes other = msg;
  other[0] ^= 0x01;
  EXPECT_FALSE(rsa_verify(key, scheme, other, sig));
  EXPECT_FALSE(rsa_verify(key, {RsaPadding::pkcs1_v15, HashAlg::sha384, std::nullopt}, msg, sig));
  EXPECT_FALSE(rsa_verify(key, {RsaPadding::pss, HashAlg::sha256, std::nullopt}, msg, sig));
  // RFC 8017 8.2.2 step 1: a signature of another length is invalid, even with leading zeros.
  Bytes longer = sig;
  longer.insert(longer.begin(), 0x00);
  EXPECT_FALSE(rsa_verify(key, scheme, msg, longer));
  expect_errc(Errc::invalid_argument, [&] { rsa_verify_digest(key, scheme, Bytes(20, 0), sig); });
}

TEST(RsaSignature, VerifiesCavpPssVectorWithItsSaltLength) {
  const auto key = RsaPublicKey::from_components(from_hex(kPssN), from_hex("1001"));
  const Bytes msg = from_hex(kPssMsg);
  const Bytes sig = from_hex(kPssS);
  EXPECT_TRUE(rsa_verify(key, {RsaPadding::pss, HashAlg::sha256, std::size_t{0}}, msg, sig));
  // The default expects a salt as long as the digest, which this signature does not have.
  EXPECT_FALSE(rsa_verify(key, {RsaPadding::pss, HashAlg::sha256, std::nullopt}, msg, sig));
  Bytes other = msg;
  other.back() ^= 0x80;
  EXPECT_FALSE(rsa_verify(key, {RsaPadding::pss, HashAlg::sha256, std::size_t{0}}, other, sig));
}

TEST(RsaSignature, SignVerifyAllHashes) {
  const auto key = RsaPrivateKey::generate(2048);
  const ByteView msg = as_bytes("EF.SOD");
  for (auto h : {HashAlg::sha1, HashAlg::sha256, HashAlg::sha384, HashAlg::sha512}) {
    for (auto padding : {RsaPadding::pkcs1_v15, RsaPadding::pss}) {
      const RsaSignatureScheme scheme{padding, h, std::nullopt};
      const Bytes sig = rsa_sign(key, scheme, msg);
      EXPECT_TRUE(rsa_verify(key.public_key(), scheme, msg, sig));
      EXPECT_TRUE(rsa_verify_digest(key.public_key(), scheme, hash(h, msg), sig));
      // PSS salt = digest length: the explicit salt length verifies too.
      if (padding == RsaPadding::pss) {
        const RsaSignatureScheme explicit_salt{padding, h, digest_size(h)};
        EXPECT_TRUE(rsa_verify(key.public_key(), explicit_salt, msg, sig));
      }
    }
  }
  // PKCS#1 v1.5 is deterministic: the same input gives the same signature.
  const RsaSignatureScheme v15{RsaPadding::pkcs1_v15, HashAlg::sha256, std::nullopt};
  EXPECT_EQ(rsa_sign(key, v15, msg), rsa_sign(key, v15, msg));
}

}  // namespace
}  // namespace sesame::crypto
