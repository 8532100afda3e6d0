// The issuer script command format shared by the card and the issuer host (iso7816/emv_script.h).
// Vector: pyemv (github.com/knovichikhin/pyemv), pyemv/sm.py generate_command_mac docstring — the
// MAC over header || ATC || ARQC, the MAC input sesame uses — and tests/test_sm_hsm.py
// (test_generate_command_mac: SMI session key check value F088 for R = ABCDEF1234567890).
#include "iso7816/emv_script.h"

#include <gtest/gtest.h>

#include "crypto/emv_keys.h"
#include "crypto/emv_script.h"
#include "util/hex.h"

namespace sesame::iso7816::emv {
namespace {

const Bytes kImkSmi = from_hex("0123456789ABCDEFFEDCBA9876543210");
const Bytes kImkSmc = from_hex("11111111111111112222222222222222");
const Bytes kR = from_hex("ABCDEF1234567890");

TEST(EmvScriptCommand, MacInputAndPublishedMac) {
  const Bytes in = script_mac_input(0x84, 0x24, 0x00, 0x00, {}, 0xFFFF, from_hex("1234567890123456"));
  EXPECT_EQ(to_hex(in), "8424000008FFFF1234567890123456");
  EXPECT_EQ(to_hex(crypto::emv::script_mac(from_hex("0123456789ABCDEFFEDCBA9876543210"), in)),
            "E07B8DF1B4184282");
}

TEST(EmvScriptCommand, SessionKeysFromTheArqc) {
  const auto mk = crypto::emv::derive_icc_master_key_a(kImkSmi, "1234567890123456", "01");
  const auto keys = script_session_keys(mk.view(), mk.view(), kR);
  EXPECT_EQ(to_hex(crypto::emv::key_check_value(keys.smi.view(), 2)),
            "F088");  // pyemv test_generate_command_mac
}

// The command round-trips, and any change to header, data, ATC or ARQC breaks it.
TEST(EmvScriptCommand, RoundTripAndTampering) {
  const auto keys = script_session_keys(kImkSmi, kImkSmc, kR);
  const auto block = crypto::emv::pin_block_format2("4321");
  const auto c = make_script_command(0x84, 0x24, 0x00, 0x02, block.view(), true, keys, 7, kR);
  EXPECT_EQ(c.data.size(), 24u);
  EXPECT_EQ(c.encode()[4], 24) << "Lc counts the MAC";
  const auto opened = open_script_command(c, true, keys, 7, kR);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, block);
  EXPECT_FALSE(open_script_command(c, true, keys, 8, kR)) << "another ATC";
  EXPECT_FALSE(open_script_command(c, true, keys, 7, from_hex("ABCDEF1234567891"))) << "another ARQC";
  auto d = c;
  d.p2 = 0x00;
  EXPECT_FALSE(open_script_command(d, true, keys, 7, kR)) << "header";
  d = c;
  d.data[3] ^= 1;
  EXPECT_FALSE(open_script_command(d, true, keys, 7, kR)) << "data";
  d = c;
  d.data.resize(4);
  EXPECT_FALSE(open_script_command(d, true, keys, 7, kR)) << "shorter than a MAC";
  const auto plain = make_script_command(0x84, 0x1E, 0x00, 0x00, {}, false, keys, 7, kR);
  EXPECT_EQ(plain.data.size(), 8u);
  EXPECT_TRUE(open_script_command(plain, false, keys, 7, kR));
}

}  // namespace
}  // namespace sesame::iso7816::emv
