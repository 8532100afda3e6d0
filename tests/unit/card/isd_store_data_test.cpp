// The ISD's STORE DATA (GP Card Specification 2.3 §11.11) and INSTALL [for personalization]
// (§11.5) with the runtime's test applets, the IIN/CIN it personalises on the ISD itself (GET DATA
// 0042 / 0045), and the SCP03 failure handling: the per-key-set authentication failure counter
// (durable before the check, blocking at kMaxAuthenticationFailures), a wrong MAC that applies
// nothing. The demo applet's DGIs end to end: tests/unit/applets/demo_personalisation_test.cpp.
#include <gtest/gtest.h>

#include <cstdio>

#include "card/card_state.h"
#include "card/key_set.h"
#include "card/store_data.h"
#include "gp_session.h"
#include "iso7816/gp_key_data.h"
#include "test_harness.h"

namespace sesame::card {
namespace {

using testing::GpSession;
using testing::Harness;

std::string lc(const std::string& data) {
  char b[3];
  std::snprintf(b, sizeof b, "%02X", static_cast<unsigned>(data.size() / 2));
  return b;
}
std::string store_data(std::uint8_t p1, std::uint8_t block, const std::string& data) {
  char h[9];
  std::snprintf(h, sizeof h, "80E2%02X%02X", p1, block);
  return h + lc(data) + data;
}
// INSTALL [for personalization] (GP 2.3 Table 11-49): empty load file / module AIDs, the application AID,
// empty privileges, install parameters and token.
std::string install_for_personalisation(const std::string& aid) {
  const std::string data = "0000" + lc(aid) + aid + "000000";
  return "80E62000" + lc(data) + data + "00";
}

class IsdStoreDataTest : public ::testing::Test {
 protected:
  Harness h;
  GpSession gp{h};
};

TEST_F(IsdStoreDataTest, IinAndCinArePersonalisedOnTheIsd) {
  EXPECT_EQ(h.sw("80CA004200"), 0x6A88) << "not set yet";
  EXPECT_EQ(h.sw("80CA004500"), 0x6A88);
  gp.open(0x03);
  // Two blocks, BER-TLV format (P1 b5b4 = 10), no INSTALL [for personalization]: the ISD's own data.
  EXPECT_EQ(gp.sw(store_data(0x10, 0, "4203123456")), 0x9000);
  EXPECT_EQ(h.stored(isd_aid(), "gp/iin"), "") << "nothing before the last block";
  EXPECT_EQ(gp.sw(store_data(0x90, 1, "450A0102030405060708090A")), 0x9000);
  EXPECT_EQ(gp.data("80CA004200"), "4203123456");
  h.reload();
  EXPECT_EQ(h.data("80CA004200"), "4203123456") << "durable, readable without a session";
  EXPECT_EQ(h.data("80CA004500"), "450A0102030405060708090A");
}

TEST_F(IsdStoreDataTest, IsdDataRefusals) {
  gp.open(0x01);
  EXPECT_EQ(gp.sw(store_data(0x88, 0, "00420103")), 0x6A86) << "DGI format to the ISD";
  EXPECT_EQ(gp.sw(store_data(0xF0, 0, "420112")), 0x6A86) << "encrypted to the ISD";
  EXPECT_EQ(gp.sw(store_data(0x90, 0, "4F0112")), 0x6A88) << "unknown tag";
  EXPECT_EQ(gp.sw(store_data(0x90, 0, "4200")), 0x6A80) << "empty IIN";
  EXPECT_EQ(gp.sw(store_data(0x90, 0, "4211" + std::string(34, '1'))), 0x6A80) << "IIN over 16 bytes";
  EXPECT_EQ(gp.sw(store_data(0x90, 0, "4205")), 0x6A80) << "truncated";
  EXPECT_EQ(gp.sw(store_data(0x90, 1, "420112")), 0x6A86) << "the first block is 00";
  EXPECT_EQ(gp.sw("80CA004200"), 0x6A88) << "nothing applied";
}

TEST_F(IsdStoreDataTest, BrokenSequencesApplyNothing) {
  gp.open(0x01);
  // A wrong block number ends the sequence: the next block does not continue it.
  EXPECT_EQ(gp.sw(store_data(0x10, 0, "420111")), 0x9000);
  EXPECT_EQ(gp.sw(store_data(0x10, 2, "420122")), 0x6A86);
  EXPECT_EQ(gp.sw(store_data(0x90, 1, "420133")), 0x6A86);
  // Another command in between ends it too.
  EXPECT_EQ(gp.sw(store_data(0x10, 0, "420144")), 0x9000);
  EXPECT_EQ(gp.data("80CA9F7F00").substr(0, 6), "9F7F2A");
  EXPECT_EQ(gp.sw(store_data(0x90, 1, "420155")), 0x6A86);
  // The channel lost (a wrong C-MAC): a new session does not continue it.
  EXPECT_EQ(gp.sw(store_data(0x10, 0, "420166")), 0x9000);
  Bytes bad = from_hex(store_data(0x90, 1, "420177"));
  bad[0] = 0x84;
  bad[4] = static_cast<std::uint8_t>(bad[4] + 8);
  append(bad, Bytes(8, 0x00));
  EXPECT_EQ(h.sw(to_hex(bad)), 0x6982) << "wrong MAC: refused, session closed";
  GpSession again(h);
  again.open(0x01);
  EXPECT_EQ(again.sw(store_data(0x90, 1, "420188")), 0x6A86);
  EXPECT_EQ(again.sw("80CA004200"), 0x6A88) << "none of the sequences applied anything";
  EXPECT_EQ(h.stored(isd_aid(), "gp/iin"), "");
}

TEST_F(IsdStoreDataTest, StoreDataNeedsCMac) {
  EXPECT_EQ(h.sw(store_data(0x90, 0, "420112")), 0x6982);
  gp.open(0x00);
  EXPECT_EQ(gp.sw(store_data(0x90, 0, "420112")), 0x6982);
  EXPECT_EQ(gp.sw(install_for_personalisation("A00000099901")), 0x6982);
}

TEST_F(IsdStoreDataTest, InstallForPersonalisation) {
  h.install_test_applets();
  gp.open(0x01);
  EXPECT_EQ(gp.sw(install_for_personalisation("A0000009990999")), 0x6A88) << "no such application";
  EXPECT_EQ(gp.sw(install_for_personalisation(to_hex(isd_aid()))), 0x6A88) << "the ISD is personalised without INSTALL";
  EXPECT_EQ(gp.sw("80E620000700000100000000"), 0x6A80) << "AID too short";
  EXPECT_EQ(gp.sw("80E620000400000000"), 0x6A80);
  const std::string tx1 = to_hex(testing::kTxAid1);
  EXPECT_EQ(gp.sw("80E62001" + install_for_personalisation(tx1).substr(8)), 0x6A86) << "P2";
  EXPECT_EQ(gp.sw("80E62000" + lc("01" + tx1.substr(0, 2) + "00" + lc(tx1) + tx1 + "000000") + "01" + tx1.substr(0, 2) + "00" + lc(tx1) + tx1 + "000000"), 0x6A80)
      << "a load file AID";
  // An applet that does not override personalise_dgi refuses with 6985 (Applet's default).
  EXPECT_EQ(gp.data(install_for_personalisation(tx1)), "00");
  EXPECT_EQ(gp.sw(store_data(0x88, 0, "010102AABB")), 0x6985);
  // A locked application cannot be personalised.
  EXPECT_EQ(gp.sw("80F04080" + lc(tx1) + tx1), 0x9000);
  EXPECT_EQ(gp.sw(install_for_personalisation(tx1)), 0x6985);
}

// --- SCP03 failure handling -------------------------------------------------------------------

TEST_F(IsdStoreDataTest, WrongHostCryptogramsBlockTheKeySet) {
  for (int i = 0; i < kMaxAuthenticationFailures - 1; ++i) {
    ASSERT_EQ(gp.initialize_update().sw, 0x9000);
    EXPECT_EQ(gp.external_authenticate(0x01, /*corrupt_cryptogram=*/true), 0x6300);
  }
  EXPECT_EQ(h.stored(isd_aid(), "scp03/fail/30"), "09") << "durable";
  gp.open(0x01);  // a success resets the count
  EXPECT_EQ(h.stored(isd_aid(), "scp03/fail/30"), "00");
  for (int i = 0; i < kMaxAuthenticationFailures; ++i) {
    ASSERT_EQ(gp.initialize_update().sw, 0x9000) << i;
    EXPECT_EQ(gp.external_authenticate(0x01, true), 0x6300);
  }
  EXPECT_EQ(gp.initialize_update().sw, 0x6983) << "blocked";
  h.reload();
  EXPECT_EQ(gp.initialize_update().sw, 0x6983) << "also after a restart";
  EXPECT_EQ(gp.initialize_update(0x00).sw, 0x6983) << "KVN 00 means the same set";
}

TEST_F(IsdStoreDataTest, WrongCMacOnExternalAuthenticateCounts) {
  GpSession wrong(h, {gp_test_keys().enc, SecureBytes(Bytes(16, 0x99)), gp_test_keys().dek});
  for (int i = 0; i < kMaxAuthenticationFailures; ++i) {
    ASSERT_EQ(wrong.initialize_update().sw, 0x9000);
    EXPECT_EQ(wrong.external_authenticate(0x01), 0x6982);
  }
  EXPECT_EQ(gp.initialize_update().sw, 0x6983);
}

TEST_F(IsdStoreDataTest, ABlockedKeySetIsReplacedThroughAnother) {
  gp.open(0x03);
  const iso7816::scp03::StaticKeys k31{SecureBytes(Bytes(16, 0x31)), SecureBytes(Bytes(16, 0x32)), SecureBytes(Bytes(16, 0x33))};
  const Bytes add = iso7816::gp::encode_put_key_data(0x31, k31, gp_test_keys().dek.view());
  ASSERT_EQ(gp.tx(to_hex(iso7816::CommandApdu{0x80, 0xD8, 0x00, 0x81, add, 256, false}.encode())).sw, 0x9000);
  for (int i = 0; i < kMaxAuthenticationFailures; ++i) {
    ASSERT_EQ(gp.initialize_update().sw, 0x9000);
    EXPECT_EQ(gp.external_authenticate(0x01, true), 0x6300);
  }
  ASSERT_EQ(gp.initialize_update().sw, 0x6983);
  GpSession admin(h, k31);
  admin.open(0x03, iso7816::scp03::Mode::s8, 0, 0x31);
  const Bytes replace = iso7816::gp::encode_put_key_data(0x30, gp_test_keys(), k31.dek.view());
  ASSERT_EQ(admin.tx(to_hex(iso7816::CommandApdu{0x80, 0xD8, 0x30, 0x81, replace, 256, false}.encode())).sw, 0x9000);
  EXPECT_EQ(h.stored(isd_aid(), "scp03/fail/30"), "") << "new keys, new count";
  GpSession fresh(h);
  fresh.open(0x01);
}

TEST_F(IsdStoreDataTest, TheFailureIsCountedBeforeTheCheck) {
  // With the store refusing writes, EXTERNAL AUTHENTICATE cannot count: it answers 6581 whether the
  // cryptogram is right or wrong, so a guess gets no answer without being counted.
  for (bool corrupt : {false, true}) {
    ASSERT_EQ(gp.initialize_update().sw, 0x9000);
    h.faults->fail_commit_after = 0;
    EXPECT_EQ(gp.external_authenticate(0x01, corrupt), 0x6581) << corrupt;
    h.faults->fail_commit_after = -1;
  }
}

TEST_F(IsdStoreDataTest, WrongMacAppliesNothing) {
  gp.open(0x01);
  // STORE DATA of an IIN with a C-MAC that is not the one the session expects.
  const std::string bad = "84E290000B" "420112" "0102030405060708";
  EXPECT_EQ(h.sw(bad), 0x6982);
  EXPECT_EQ(gp.sw(store_data(0x90, 0, "420112")), 0x6982) << "the session is closed";
  EXPECT_EQ(h.sw("80CA004200"), 0x6A88);
}

}  // namespace
}  // namespace sesame::card
