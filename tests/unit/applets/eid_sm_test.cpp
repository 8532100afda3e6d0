// Secure messaging on the eID applet (ICAO 9303-11 §9.8.6): every command after PACE is
// protected; a tampered, replayed or plain command ends the session.
#include <gtest/gtest.h>

#include "eid_fixture.h"

namespace sesame::applets::eid::testing {
namespace {

using EidSm = EidCardTest;

// Threat: an attacker on the contactless link alters a protected command.
TEST_F(EidSm, TamperedCommandEndsTheSession) {
  ASSERT_EQ(pace(PasswordRef::pin, kPin), 0x9000);
  Bytes raw = sm->wrap_command({0x00, 0xB0, 0x8E, 0x00, {}, 256, false}).encode();
  raw[raw.size() - 3] ^= 0x01;  // a MAC byte
  EXPECT_EQ(tx(to_hex(raw)).encode(), from_hex("6988")) << "answered in plain";
  // The card has dropped its keys: the genuine next command is refused too.
  EXPECT_EQ(raw_sm_read_sw(), 0x6882);
  EXPECT_EQ(read_plain_dg14(), 0x6982);
}

TEST_F(EidSm, ProtectedCommandWithoutMacIs6987) {
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  EXPECT_EQ(sw("0CB08E0003970100"), 0x6987);
  EXPECT_EQ(raw_sm_read_sw(), 0x6882);
}

TEST_F(EidSm, ReplayedCommandIsRefused) {
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  const Bytes raw = sm->wrap_command({0x00, 0xB0, 0x8E, 0x00, {}, 256, false}).encode();
  const auto first = tx(to_hex(raw));
  EXPECT_EQ(first.sw, 0x9000);
  EXPECT_EQ(sw(to_hex(raw)), 0x6988);
}

TEST_F(EidSm, PlainCommandEndsTheSession) {
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  EXPECT_EQ(sw("00B09C0000"), 0x9000);  // EF.CardAccess, plain: allowed, but SM is over
  EXPECT_EQ(raw_sm_read_sw(), 0x6882);
}

TEST_F(EidSm, ProtectedErrorsKeepTheSession) {
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  EXPECT_EQ(read_sfi(0x01).sw, 0x6982);  // protected 6982
  EXPECT_TRUE(sm);
  EXPECT_EQ(read_sfi(0x0E).sw, 0x9000);
}

TEST_F(EidSm, ReselectEndsTheSession) {
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  ASSERT_EQ(sw("00A4040C07A0000002471001"), 0x9000);
  EXPECT_EQ(raw_sm_read_sw(), 0x6882);
}

}  // namespace
}  // namespace sesame::applets::eid::testing
