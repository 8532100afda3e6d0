#include "crypto/cmac.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "hex_expect.h"
#include "util/hex.h"

namespace sesame::crypto {
namespace {

// The message of RFC 4493 section 4 and NIST SP 800-38B Appendix D (the SP 800-38A plaintext).
const Bytes kMsg = from_hex(
    "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710");

// RFC 4493 section 4, examples 1-4 (= SP 800-38B D.1, AES-128): lengths 0, 16, 40, 64.
TEST(Cmac, Rfc4493Aes128) {
  const Bytes key = from_hex("2b7e151628aed2a6abf7158809cf4f3c");
  EXPECT_HEX(aes_cmac(key, {}), "bb1d6929e95937287fa37d129b756746");
  EXPECT_HEX(aes_cmac(key, ByteView(kMsg).first(16)), "070a16b46b4d4144f79bdd9dd04a287c");
  EXPECT_HEX(aes_cmac(key, ByteView(kMsg).first(40)), "dfa66747de9ae63030ca32611497c827");
  EXPECT_HEX(aes_cmac(key, kMsg), "51f0bebf7e3b9d92fc49741779363cfe");
}

// NIST SP 800-38B Appendix D.2 (AES-192) and D.3 (AES-256), Example 5 / Example 9 (Mlen = 0)
// and Example 8 / Example 12 (Mlen = 512).
TEST(Cmac, Sp80038bAes192And256) {
  const Bytes k192 = from_hex("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b");
  const Bytes k256 = from_hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  EXPECT_HEX(aes_cmac(k192, {}), "d17ddf46adaacde531cac483de7a9367");
  EXPECT_HEX(aes_cmac(k192, kMsg), "a1d5df0eed790f794d77589659f39a11");
  EXPECT_HEX(aes_cmac(k256, {}), "028962f61b7bf89efc6b551f4667d983");
  EXPECT_HEX(aes_cmac(k256, kMsg), "e1992190549f6ed5696a2c056c315410");
}

// SP 800-38B truncation: the leftmost bytes of the RFC 4493 example 2 tag.
TEST(Cmac, Truncation) {
  const Bytes key = from_hex("2b7e151628aed2a6abf7158809cf4f3c");
  EXPECT_HEX(aes_cmac(key, ByteView(kMsg).first(16), 8), "070a16b46b4d4144");
  EXPECT_HEX(aes_cmac(key, ByteView(kMsg).first(16), 16), "070a16b46b4d4144f79bdd9dd04a287c");
  test::expect_errc(Errc::invalid_argument, [&] { aes_cmac(key, kMsg, 0); });
  test::expect_errc(Errc::invalid_argument, [&] { aes_cmac(key, kMsg, 17); });
}

TEST(Cmac, RejectsBadKeyLength) {
  test::expect_errc(Errc::invalid_argument, [] { aes_cmac(Bytes(8, 1), kMsg); });
  test::expect_errc(Errc::invalid_argument, [] { aes_cmac({}, kMsg); });
}

}  // namespace
}  // namespace sesame::crypto
