#include "crypto/aes.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "hex_expect.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::crypto {
namespace {

// NIST SP 800-38A Appendix F: the common plaintext, keys and CBC IV.
const Bytes kPlain = from_hex(
    "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710");
const Bytes kKey128 = from_hex("2b7e151628aed2a6abf7158809cf4f3c");
const Bytes kKey192 = from_hex("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b");
const Bytes kKey256 = from_hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
const Bytes kIv = from_hex("000102030405060708090a0b0c0d0e0f");

struct Case {
  const char* name;
  const Bytes& key;
  const char* ciphertext;
};

// F.1.1/F.1.3/F.1.5 ECB-AES128/192/256.Encrypt (F.1.2/4/6 decrypt the same values).
const Case kEcb[] = {
    {"F.1.1", kKey128,
     "3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf"
     "43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4"},
    {"F.1.3", kKey192,
     "bd334f1d6e45f25ff712a214571fa5cc 974104846d0ad3ad7734ecb3ecee4eef"
     "ef7afd2270e2e60adce0ba2face6444e 9a4b41ba738d6c72fb16691603c18e0e"},
    {"F.1.5", kKey256,
     "f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870"
     "b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7"},
};

// F.2.1/F.2.3/F.2.5 CBC-AES128/192/256.Encrypt (F.2.2/4/6 decrypt the same values).
const Case kCbc[] = {
    {"F.2.1", kKey128,
     "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2"
     "73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7"},
    {"F.2.3", kKey192,
     "4f021db243bc633d7178183a9fa071e8 b4d9ada9ad7dedf4e5e738763f69145a"
     "571b242012fb7ae07fa9baac3df102e0 08b0e27988598881d920a9e64f5615cd"},
    {"F.2.5", kKey256,
     "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d"
     "39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b"},
};

TEST(Aes, Sp80038aEcb) {
  for (const auto& c : kEcb) {
    SCOPED_TRACE(c.name);
    EXPECT_HEX(aes_ecb_encrypt(c.key, kPlain), c.ciphertext);
    EXPECT_EQ(aes_ecb_decrypt(c.key, from_hex(c.ciphertext)).reveal(), kPlain);
  }
}

TEST(Aes, Sp80038aCbc) {
  for (const auto& c : kCbc) {
    SCOPED_TRACE(c.name);
    EXPECT_HEX(aes_cbc_encrypt(c.key, kIv, kPlain), c.ciphertext);
    EXPECT_EQ(aes_cbc_decrypt(c.key, kIv, from_hex(c.ciphertext)).reveal(), kPlain);
  }
}

// SP 800-38A F.1.1, first block: the single-block helper is one ECB block.
TEST(Aes, EncryptBlock) {
  EXPECT_HEX(aes_encrypt_block(kKey128, ByteView(kPlain).first(16)), "3ad77bb40d7a3660a89ecaf32466ef97");
  EXPECT_THROW(aes_encrypt_block(kKey128, ByteView(kPlain).first(15)), Error);
  EXPECT_THROW(aes_encrypt_block(kKey128, ByteView(kPlain).first(32)), Error);
}

TEST(Aes, EmptyInputIsEmptyOutput) {
  EXPECT_TRUE(aes_ecb_encrypt(kKey128, {}).empty());
  EXPECT_TRUE(aes_cbc_decrypt(kKey256, kIv, {}).empty());
}

template <typename F>
void expect_invalid(F&& f) {
  test::expect_errc(Errc::invalid_argument, f);
}

TEST(Aes, RejectsMalformedInput) {
  expect_invalid([] { aes_ecb_encrypt(kKey128, ByteView(kPlain).first(17)); });
  expect_invalid([] { aes_ecb_decrypt(kKey128, ByteView(kPlain).first(1)); });
  expect_invalid([] { aes_cbc_encrypt(kKey128, kIv, ByteView(kPlain).first(31)); });
  expect_invalid([] { aes_cbc_decrypt(kKey128, kIv, ByteView(kPlain).first(8)); });
  expect_invalid([] { aes_ecb_encrypt(Bytes(15, 0), kPlain); });
  expect_invalid([] { aes_ecb_encrypt(Bytes(33, 0), kPlain); });
  expect_invalid([] { aes_cbc_encrypt(Bytes(20, 0), kIv, kPlain); });
  expect_invalid([] { aes_cbc_encrypt(kKey128, ByteView(kIv).first(8), kPlain); });
  expect_invalid([] { aes_cbc_encrypt(kKey128, {}, kPlain); });
}

}  // namespace
}  // namespace sesame::crypto
