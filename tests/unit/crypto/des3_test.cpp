#include "crypto/des3.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "hex_expect.h"
#include "util/hex.h"

namespace sesame::crypto {
namespace {

// NIST SP 800-67 Rev. 1, Appendix B (TDEA example, three independent keys, ECB):
// "The qufck brown fox jump".
TEST(Des3, Sp80067ThreeKeyEcb) {
  const Bytes key = from_hex("0123456789ABCDEF 23456789ABCDEF01 456789ABCDEF0123");
  const Bytes plain = from_hex("5468652071756663 6B2062726F776E20 666F78206A756D70");
  const char* cipher = "A826FD8CE53B855F CCE21C8112256FE6 68D5C05DD9B6B900";
  EXPECT_HEX(des3_ecb_encrypt(key, plain), cipher);
  EXPECT_EQ(des3_ecb_decrypt(key, from_hex(cipher)).reveal(), plain);
}

// ICAO Doc 9303-11 Appendix D.3 (BAC mutual authentication): two-key 3DES CBC with a zero IV.
// E_IFD = E(K_Enc, S) and R = D(K_Enc, E_IC).
TEST(Des3, Icao9303TwoKeyCbc) {
  const Bytes k_enc = from_hex("AB94FDECF2674FDFB9B391F85D7F76F2");
  const Bytes iv(8, 0);
  EXPECT_HEX(des3_cbc_encrypt(k_enc, iv,
                              from_hex("781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B")),
             "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2");
  EXPECT_HEX(des3_cbc_decrypt(k_enc, iv,
                              from_hex("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F")),
             "4608F91988702212781723860C06C2260B4F80323EB3191CB04970CB4052790B");
}

// ICAO Doc 9303-11 Appendix D.4 (secure messaging): SELECT EF.COM data '011E', padded, is
// encrypted under KS_Enc with a zero IV to '6375432908C044F6'.
TEST(Des3, Icao9303SecureMessagingCbc) {
  const Bytes ks_enc = from_hex("979EC13B1CBFE9DCD01AB0FED307EAE5");
  EXPECT_HEX(des3_cbc_encrypt(ks_enc, Bytes(8, 0), from_hex("011E800000000000")), "6375432908C044F6");
  EXPECT_HEX(des3_cbc_decrypt(ks_enc, Bytes(8, 0), from_hex("6375432908C044F6")), "011E800000000000");
}

// A two-key key K1||K2 is three-key K1||K2||K1 (SP 800-67 keying option 2).
TEST(Des3, TwoKeyIsK1K2K1) {
  const Bytes k1k2 = from_hex("0123456789ABCDEF 23456789ABCDEF01");
  const Bytes k1k2k1 = from_hex("0123456789ABCDEF 23456789ABCDEF01 0123456789ABCDEF");
  const Bytes plain = from_hex("5468652071756663 6B2062726F776E20");
  EXPECT_EQ(des3_ecb_encrypt(k1k2, plain), des3_ecb_encrypt(k1k2k1, plain));
  EXPECT_NE(des3_ecb_encrypt(k1k2, plain),
            des3_ecb_encrypt(from_hex("0123456789ABCDEF 23456789ABCDEF01 456789ABCDEF0123"), plain));
}

// Single DES, NIST SP 800-20 Table A.1 (variable plaintext known-answer test, key 01..01)
// and Table A.2 (variable key, plaintext 0).
TEST(Des, Sp80020KnownAnswers) {
  const Bytes k01 = from_hex("0101010101010101");
  EXPECT_HEX(des_ecb_encrypt(k01, from_hex("8000000000000000")), "95F8A5E5DD31D900");
  EXPECT_HEX(des_ecb_encrypt(k01, from_hex("4000000000000000")), "DD7F121CA5015619");
  EXPECT_HEX(des_ecb_encrypt(from_hex("8001010101010101"), Bytes(8, 0)), "95A8D72813DAA94D");
  EXPECT_HEX(des_ecb_decrypt(k01, from_hex("95F8A5E5DD31D900")), "8000000000000000");
}

// Single DES, FIPS PUB 81 Appendix B (ECB) and C (CBC): "Now is the time for all " under
// key 0123456789ABCDEF; the CBC IV is 1234567890ABCDEF.
TEST(Des, Fips81EcbAndCbc) {
  const Bytes key = from_hex("0123456789ABCDEF");
  const Bytes plain = from_hex("4E6F772069732074 68652074696D6520 666F7220616C6C20");
  EXPECT_HEX(des_ecb_encrypt(key, plain), "3FA40E8A984D4815 6A271787AB8883F9 893D51EC4B563B53");
  const Bytes iv = from_hex("1234567890ABCDEF");
  const char* cbc = "E5C7CDDE872BF27C 43E934008C389C0F 683788499A7C05F6";
  EXPECT_HEX(des_cbc_encrypt(key, iv, plain), cbc);
  EXPECT_EQ(des_cbc_decrypt(key, iv, from_hex(cbc)).reveal(), plain);
}

TEST(Des3, RejectsMalformedInput) {
  const Bytes k16(16, 0x11);
  const Bytes block(8, 0);
  test::expect_errc(Errc::invalid_argument, [&] { des3_ecb_encrypt(Bytes(8, 1), block); });
  test::expect_errc(Errc::invalid_argument, [&] { des3_ecb_encrypt(Bytes(32, 1), block); });
  test::expect_errc(Errc::invalid_argument, [&] { des3_ecb_encrypt(k16, Bytes(7, 0)); });
  test::expect_errc(Errc::invalid_argument, [&] { des3_ecb_decrypt(k16, Bytes(12, 0)); });
  test::expect_errc(Errc::invalid_argument, [&] { des3_cbc_encrypt(k16, Bytes(16, 0), block); });
  test::expect_errc(Errc::invalid_argument, [&] { des3_cbc_decrypt(k16, {}, block); });
  test::expect_errc(Errc::invalid_argument, [&] { des_ecb_encrypt(k16, block); });
  test::expect_errc(Errc::invalid_argument, [&] { des_cbc_encrypt(Bytes(8, 1), Bytes(8, 0), Bytes(9, 0)); });
}

}  // namespace
}  // namespace sesame::crypto
