// EMV key derivation, cryptograms and ARPC (crypto/emv_keys.h).
//
// Vectors: the open-source pyemv library's test suite (github.com/knovichikhin/pyemv,
// tests/test_kd_hsm.py, and the module docstring of pyemv/kd.py), which publishes key check values
// and cryptograms for EMV Book 2 A1.4 options A/B, A1.3 common session keys, ARQC (MAC algorithm
// 3, padding method 2) and ARPC methods 1 and 2 for the issuer master key
// 0123456789ABCDEFFEDCBA9876543210. The values below are copied from there, not computed by us.
#include "crypto/emv_keys.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "util/hex.h"

namespace sesame::crypto::emv {
namespace {

const Bytes kImk = from_hex("0123456789ABCDEFFEDCBA9876543210");

std::string kcv2(const SecureBytes& k) { return to_hex(key_check_value(k.view(), 2)); }

TEST(EmvKeys, IssuerMasterKeyCheckValue) {
  EXPECT_EQ(to_hex(key_check_value(kImk, 2)), "08D7");  // pyemv test_kd_hsm.py
}

// pyemv kd.py docstring: option A, PAN 99012345678901234, PSN 45 -> the full ICC master key.
TEST(EmvKeys, OptionAFullKey) {
  EXPECT_EQ(to_hex(derive_icc_master_key_a(kImk, "99012345678901234", "45").view()),
            "67F8292358083E5EA7AB7FDA58D53B6B");
}

// pyemv test_derive_icc_mk_a_psn: option A, common session key R = 1234567890123456, ARQC over
// 0123456789ABCDEF0123456789ABCDEF, ARPC method 1 under the ICC master key and under the session key.
TEST(EmvKeys, OptionAWithPsnSessionKeyArqcArpc1) {
  const auto mk = derive_icc_master_key_a(kImk, "12345678901234567", "45");
  EXPECT_EQ(kcv2(mk), "FF08");
  const auto sk = derive_common_session_key(mk.view(), from_hex("1234567890123456"));
  EXPECT_EQ(kcv2(sk), "DF82");
  const Bytes arqc = application_cryptogram(sk.view(), from_hex("0123456789ABCDEF0123456789ABCDEF"));
  EXPECT_EQ(to_hex(arqc), "19C1FBC83EBDC0D5");
  EXPECT_EQ(to_hex(arpc_method1(mk.view(), arqc, from_hex("0000"))), "78A372523FA35A03");
  EXPECT_EQ(to_hex(arpc_method1(sk.view(), arqc, from_hex("0000"))), "C3620580668E5B65");  // test_derive_common_sk
}

// pyemv test_derive_icc_mk_a_no_psn: a missing PSN counts as "00".
TEST(EmvKeys, OptionAWithoutPsn) {
  const auto mk = derive_icc_master_key_a(kImk, "12345678901234567", "");
  const auto sk = derive_common_session_key(mk.view(), from_hex("1234567890123456"));
  EXPECT_EQ(kcv2(sk), "3F4F");
  const Bytes arqc = application_cryptogram(sk.view(), from_hex("0123456789ABCDEF0123456789ABCDEF"));
  EXPECT_EQ(to_hex(arqc), "8698A7319324FD93");
  EXPECT_EQ(to_hex(arpc_method1(mk.view(), arqc, from_hex("0000"))), "BEA11C8F4A47EF6F");
  EXPECT_EQ(derive_icc_master_key_a(kImk, "12345678901234567", "00"), mk);
}

// pyemv option B tests with ARPC method 2 (CSU 00000000): 17- and 18-digit PANs, a 16-digit PAN
// (option B falls back to option A), and one whose SHA-1 has too few decimal digits (decimalised).
TEST(EmvKeys, OptionBAndArpcMethod2) {
  struct V {
    const char *pan, *psn, *mk_kcv, *sk_kcv, *arqc, *arpc;
  };
  const V vs[] = {
      {"1234567890123456", "", "BAB0", "BC19", "0CE77D211CB5459A", "8CD9AA5D"},
      {"12345678901234567", "45", "0BAF", "4262", "5760EE07B4FA65D1", "106B81D9"},
      {"12345678901234567", "", "4626", "7F36", "0BAA251EA8989442", "C1C41F3A"},
      {"123456789012345679", "00", "C2F3", "7C35", "DC95BCE3EBBE0296", "ECCA0C4B"},
  };
  for (const auto& v : vs) {
    SCOPED_TRACE(v.pan);
    const auto mk = derive_icc_master_key_b(kImk, v.pan, v.psn);
    EXPECT_EQ(kcv2(mk), v.mk_kcv);
    const auto sk = derive_common_session_key(mk.view(), from_hex("1234567890123456"));
    EXPECT_EQ(kcv2(sk), v.sk_kcv);
    const Bytes arqc = application_cryptogram(sk.view(), from_hex("0123456789ABCDEF0123456789ABCDEF"));
    EXPECT_EQ(to_hex(arqc), v.arqc);
    EXPECT_EQ(to_hex(arpc_method2(sk.view(), arqc, from_hex("00000000"), {})), v.arpc);
  }
}

// pyemv test_derive_icc_mk_b_sha_pad: decimalisation, a real-looking CDOL-style input, R = ATC 001C
// || zeros, ARPC method 2 with Proprietary Authentication Data.
TEST(EmvKeys, OptionBDecimalisationAndArpc2WithProprietaryData) {
  const auto mk = derive_icc_master_key_b(kImk, "000000000000000005", "23");
  EXPECT_EQ(kcv2(mk), "DD73");
  const auto sk = derive_common_session_key(mk.view(), ac_diversifier(0x001C));
  EXPECT_EQ(kcv2(sk), "04F8");
  const Bytes arqc = application_cryptogram(
      sk.view(), from_hex("00000000400000000000000001248000048000012"
                          "41911050152BF45851800001C06011203A0B800"));
  EXPECT_EQ(to_hex(arqc), "8CAD6F2489C640B1");
  EXPECT_EQ(to_hex(arpc_method2(sk.view(), arqc, from_hex("00000000"), from_hex("12345678"))), "E39F1876");
}

TEST(EmvKeys, DerivedKeysHaveOddParity) {
  const auto mk = derive_icc_master_key_a(kImk, "5413330089010608", "01");
  for (auto b : mk.view()) EXPECT_EQ(__builtin_popcount(b) % 2, 1);
}

TEST(EmvKeys, CryptogramInputLayout) {
  EXPECT_EQ(to_hex(cryptogram_input(from_hex("AABB"), from_hex("0D80"), 0x0102, from_hex("A00000000000"))),
            "AABB0D800102A00000000000");
}

TEST(EmvKeys, BcdHelpers) {
  EXPECT_EQ(bcd_digits(from_hex("5413330089010608")), "5413330089010608");
  EXPECT_EQ(bcd_digits(from_hex("541333008901060FFF")), "541333008901060");
  EXPECT_EQ(to_hex(digits_to_bcd("541333008901060", 10)), "541333008901060FFFFF");
  test::expect_errc(Errc::parse, [&] { (void)bcd_digits(from_hex("54F3")); });
  test::expect_errc(Errc::parse, [&] { (void)bcd_digits(from_hex("5A")); });
}

TEST(EmvKeys, WrongSizesAreRefused) {
  test::expect_errc(Errc::invalid_argument, [&] { (void)derive_icc_master_key_a(from_hex("0011"), "1234", ""); });
  test::expect_errc(Errc::invalid_argument, [&] { (void)derive_icc_master_key_a(kImk, "12A4", ""); });
  test::expect_errc(Errc::invalid_argument, [&] { (void)derive_icc_master_key_a(kImk, "1234", "1"); });
  test::expect_errc(Errc::invalid_argument, [&] { (void)derive_common_session_key(kImk, from_hex("0011")); });
  test::expect_errc(Errc::invalid_argument, [&] { (void)arpc_method1(kImk, from_hex("0011"), from_hex("0000")); });
  test::expect_errc(Errc::invalid_argument, [&] { (void)arpc_method2(kImk, Bytes(8), Bytes(4), Bytes(9)); });
}

}  // namespace
}  // namespace sesame::crypto::emv
