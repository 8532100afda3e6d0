// Issuer script secure messaging primitives (crypto/emv_script.h) and the shared command format
// (iso7816/emv_script.h).
//
// Vectors: the open-source pyemv library (github.com/knovichikhin/pyemv), tests/test_sm_hsm.py
// (test_generate_command_mac, test_mastercard_pin_change, test_ccd_pin_change) and the docstrings
// of pyemv/sm.py (generate_command_mac, encrypt_command_data). They use ICC master keys derived
// with Book 2 A1.4 option A and SMI/SMC session keys by A1.3 common session key derivation. The
// expected values are copied from there, not computed by us.
#include "crypto/emv_script.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "crypto/emv_keys.h"
#include "util/hex.h"

namespace sesame::crypto::emv {
namespace {

const Bytes kImkSmi = from_hex("0123456789ABCDEFFEDCBA9876543210");
const Bytes kImkSmc = from_hex("11111111111111112222222222222222");
const Bytes kR = from_hex("ABCDEF1234567890");

std::string kcv(const SecureBytes& k, std::size_t n) {
  return to_hex(key_check_value(k.view(), n));
}

// pyemv test_generate_command_mac: PAN 1234567890123456 PSN 01, R ABCDEF1234567890, MAC over the
// header of PIN UNBLOCK 84 24 00 00 08 (no data).
TEST(EmvScript, CommandMacPublishedVector) {
  const auto mk = derive_icc_master_key_a(kImkSmi, "1234567890123456", "01");
  EXPECT_EQ(kcv(mk, 2), "0239");
  const auto sk = derive_common_session_key(mk.view(), kR);
  EXPECT_EQ(kcv(sk, 2), "F088");
  EXPECT_EQ(to_hex(script_mac(sk.view(), from_hex("8424000008"))), "CF323F09A0F6AB9E");
}

// pyemv sm.generate_command_mac docstring: header || ATC FFFF || ARQC 1234567890123456, the form
// sesame's MAC input takes (iso7816::emv::script_mac_input).
TEST(EmvScript, CommandMacWithAtcAndArqcPublishedVector) {
  const Bytes sk = from_hex("0123456789ABCDEFFEDCBA9876543210");
  EXPECT_EQ(to_hex(script_mac(sk, from_hex("8424000008FFFF1234567890123456"))), "E07B8DF1B4184282");
}

// pyemv test_ccd_pin_change: PIN 9999 in an ISO 9564 format 2 block, enciphered under the SMC
// session key with padding method 2 always added (the EMV / CCD format), then the MAC over
// 84 24 00 02 10 || the enciphered data.
TEST(EmvScript, PinChangePublishedVector) {
  const auto mk_smc = derive_icc_master_key_a(kImkSmc, "1234567890123456", "01");
  EXPECT_EQ(kcv(mk_smc, 3), "6B0F76");
  const auto mk_smi = derive_icc_master_key_a(kImkSmi, "1234567890123456", "01");
  const struct {
    SecureBytes smi, smc;
  } keys{derive_common_session_key(mk_smi.view(), kR), derive_common_session_key(mk_smc.view(), kR)};
  EXPECT_EQ(kcv(keys.smc, 3), "D694B8");
  EXPECT_EQ(kcv(keys.smi, 3), "F088F8");
  const auto block = pin_block_format2("9999");
  EXPECT_EQ(to_hex(block.view()), "249999FFFFFFFFFF");
  const Bytes enc = encipher_script_data(keys.smc.view(), block.view());
  EXPECT_EQ(to_hex(enc), "28367E05DE3381C29D30A6055A8DEB86");
  EXPECT_EQ(to_hex(script_mac(keys.smi.view(), concat({from_hex("8424000210"), enc}))), "69DA1EE208823022");
  EXPECT_EQ(decipher_script_data(keys.smc.view(), enc), block);
  EXPECT_EQ(std::string(pin_from_block_format2(block.view())), "9999");
}

// pyemv test_mastercard_pin_change_12: a 12-digit PIN block; its first cipher block equals the
// Mastercard-format (unpadded) ciphertext published there, as CBC with a zero ICV implies.
TEST(EmvScript, TwelveDigitPinBlockPublishedVector) {
  const auto block = pin_block_format2("999999999999");
  EXPECT_EQ(to_hex(block.view()), "2C999999999999FF");
  const auto mk_smc = derive_icc_master_key_a(kImkSmc, "1234567890123456", "01");
  const auto sk = derive_common_session_key(mk_smc.view(), kR);
  EXPECT_EQ(to_hex(encipher_script_data(sk.view(), block.view())).substr(0, 16), "99AD3AF9EB3ECF0C");
  EXPECT_EQ(std::string(pin_from_block_format2(block.view())), "999999999999");
}

TEST(EmvScript, MalformedInputsAreRefused) {
  test::expect_errc(Errc::invalid_argument, [&] { (void)pin_block_format2("123"); });
  test::expect_errc(Errc::invalid_argument, [&] { (void)pin_block_format2("12a4"); });
  test::expect_errc(Errc::parse, [&] { (void)pin_from_block_format2(from_hex("241234FFFFFFFF0F")); });
  test::expect_errc(Errc::parse, [&] { (void)pin_from_block_format2(from_hex("141234FFFFFFFFFF")); });
  test::expect_errc(Errc::parse, [&] { (void)decipher_script_data(kImkSmc, from_hex("0011")); });
  test::expect_errc(Errc::invalid_argument, [&] { (void)script_mac(from_hex("0011"), {}); });
}

}  // namespace
}  // namespace sesame::crypto::emv
