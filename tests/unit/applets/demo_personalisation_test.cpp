// The demo applet personalised end to end through the ISD (GP 2.3 INSTALL [for personalization]
// and STORE DATA in an SCP03 session, docs/GP.md): its DGIs 0102 (EF 0102), 0103 (a record of
// EF 0103), 0200 (counter), 8101 / 8102 (PIN / PUK, encrypted under K-DEK only), and the atomicity
// of a sequence: nothing is applied unless the last block arrives and every DGI is accepted.
#include <gtest/gtest.h>

#include <cstdio>

#include "../card/card_fixture.h"
#include "../card/gp_session.h"
#include "applets/builtin.h"
#include "applets/demo/demo_applet.h"
#include "iso7816/gp_dgi.h"
#include "util/hex.h"

namespace sesame::applets {
namespace {

constexpr const char* kDemoAid = "F0534553414D4501";
constexpr const char* kSelect = "00A4040C08F0534553414D4501";

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
std::string dgi(std::uint16_t tag, const std::string& value_hex) { return to_hex(iso7816::gp::encode_dgi(tag, from_hex(value_hex))); }
// A DGI whose value is encrypted under the GP test K-DEK (the session's key set 30).
std::string encrypted_dgi(std::uint16_t tag, const std::string& value_hex) {
  return to_hex(iso7816::gp::encode_dgi(tag, iso7816::gp::encrypt_dgi_value(card::gp_test_keys().dek.view(), from_hex(value_hex))));
}
const std::string kInstallForPerso = "80E62000" + lc("000008" + std::string(kDemoAid) + "000000") + "000008" + kDemoAid + "000000" + "00";

class DemoPersonalisationTest : public ::testing::Test, public card::testing::CardFixture {
 protected:
  DemoPersonalisationTest() : CardFixture(builtin_registry(), "demo", "") {
    service->install_applet(seid, demo::kModuleName, demo::module().default_instance_aid, {});
    gp.open(0x03);  // C-MAC and C-DECRYPTION: the DGIs are encrypted on the wire as well
    EXPECT_EQ(gp.data(kInstallForPerso), "00");
  }
  std::string secret_file() { return stored(demo::module().default_instance_aid, "fs/0102"); }
  card::testing::GpSession gp{*this};
};

TEST_F(DemoPersonalisationTest, ASequenceOfDgisPersonalisesTheApplet) {
  const std::string secret = to_hex(Bytes(32, 0x5A));
  EXPECT_EQ(gp.sw(store_data(0x08, 0, dgi(0x0102, secret) + dgi(0x0103, "AABBCC"))), 0x9000);
  EXPECT_EQ(gp.sw(store_data(0x08, 1, dgi(0x0103, "DDEE") + dgi(0x0200, "00000041"))), 0x9000);
  const std::string before = secret_file();
  EXPECT_NE(before, secret) << "nothing applied before the last block";
  // The last block: P1 b8 (last), b7b6 = 11 (encrypted), b5b4 = 01 (DGIs).
  EXPECT_EQ(gp.sw(store_data(0xE8, 2, encrypted_dgi(0x8101, "39383736") + encrypted_dgi(0x8102, "3837363534333231"))), 0x9000);
  EXPECT_EQ(secret_file(), secret);
  // Used through the applet's own commands.
  reload();
  ASSERT_EQ(sw(kSelect), 0x9000);
  EXPECT_EQ(data("8011000000"), "00000041") << "the counter";
  EXPECT_EQ(data("00B2011C00"), "AABBCC") << "record 1 of EF 0103";
  EXPECT_EQ(data("00B2021C00"), "DDEE");
  EXPECT_EQ(sw("002000810431323334"), 0x63C2) << "the old PIN is gone";
  EXPECT_EQ(sw("002000810439383736"), 0x9000) << "the new PIN";
  EXPECT_EQ(data("00B0820000"), secret);
  EXPECT_EQ(sw("002C018108" "3837363534333231"), 0x9000) << "the new PUK";
}

TEST_F(DemoPersonalisationTest, WithoutTheLastBlockNothingIsApplied) {
  const std::string before = secret_file();
  EXPECT_EQ(gp.sw(store_data(0x08, 0, dgi(0x0102, to_hex(Bytes(32, 0x11))))), 0x9000);
  EXPECT_EQ(gp.sw("80F28002024F0000"), 0x9000) << "another command ends the sequence";
  EXPECT_EQ(gp.sw(store_data(0x88, 1, dgi(0x0200, "00000001"))), 0x6A86) << "it cannot be continued";
  EXPECT_EQ(secret_file(), before);
  // Nor after a reset (the session is lost).
  EXPECT_EQ(gp.data(kInstallForPerso), "00");
  EXPECT_EQ(gp.sw(store_data(0x08, 0, dgi(0x0102, to_hex(Bytes(32, 0x22))))), 0x9000);
  service->reset(seid, true);
  card::testing::GpSession again(*this);
  again.open(0x01);
  EXPECT_EQ(again.sw(store_data(0x88, 1, dgi(0x0200, "00000001"))), 0x6A86);
  EXPECT_EQ(secret_file(), before);
}

TEST_F(DemoPersonalisationTest, ARefusedDgiAppliesNoneOfTheSequence) {
  const std::string before = secret_file();
  EXPECT_EQ(gp.sw(store_data(0x08, 0, dgi(0x0102, to_hex(Bytes(32, 0x33))))), 0x9000);
  EXPECT_EQ(gp.sw(store_data(0x88, 1, dgi(0x0999, "00"))), 0x6A88) << "unknown DGI";
  EXPECT_EQ(secret_file(), before);
  const std::pair<std::string, std::uint16_t> refusals[] = {
      {store_data(0x88, 0, dgi(0x8101, "39383736")), 0x6A80},                    // a PIN in clear
      {store_data(0xE8, 0, encrypted_dgi(0x8101, "3938")), 0x6A80},              // a PIN too short
      {store_data(0x88, 0, dgi(0x0102, to_hex(Bytes(33, 0x01)))), 0x6A80},       // larger than EF 0102
      {store_data(0x88, 0, dgi(0x0200, "0001")), 0x6A80},                        // counter not 4 bytes
      {store_data(0xE8, 0, "8101" "10" + to_hex(Bytes(16, 0x00))), 0x6A80},      // does not decrypt (padding)
      {store_data(0xE8, 0, "8101" "05" "0102030405"), 0x6A80},                   // not whole blocks
      {store_data(0x88, 0, "0102" "05" "0102"), 0x6A80},                         // truncated DGI
      {store_data(0x98, 0, dgi(0x0200, "00000001")), 0x6A86},                    // not DGI format
      {store_data(0xA8, 0, dgi(0x0200, "00000001")), 0x6A86},                    // application-dependent encryption
  };
  for (const auto& [apdu, expected] : refusals) {
    EXPECT_EQ(gp.data(kInstallForPerso), "00");
    EXPECT_EQ(gp.sw(apdu), expected) << apdu;
  }
  reload();
  ASSERT_EQ(sw(kSelect), 0x9000);
  EXPECT_EQ(sw("002000810431323334"), 0x9000) << "the PIN is still the installed one";
  EXPECT_EQ(data("8011000000"), "00000000");
}

TEST_F(DemoPersonalisationTest, AFailedCommitAtTheLastBlockAppliesNothing) {
  const std::string before = secret_file();
  EXPECT_EQ(gp.sw(store_data(0x08, 0, dgi(0x0102, to_hex(Bytes(32, 0x44))))), 0x9000);
  faults->fail_commit_after = 0;
  EXPECT_EQ(gp.sw(store_data(0x88, 1, dgi(0x0200, "00000009"))), 0x6581) << "memory failure";
  faults->fail_commit_after = -1;
  EXPECT_EQ(secret_file(), before);
  reload();
  ASSERT_EQ(sw(kSelect), 0x9000);
  EXPECT_EQ(data("8011000000"), "00000000");
}

TEST_F(DemoPersonalisationTest, ALockedApplicationIsNotPersonalised) {
  EXPECT_EQ(gp.sw(store_data(0x08, 0, dgi(0x0200, "00000007"))), 0x9000);
  EXPECT_EQ(gp.sw(std::string("80F0408008") + kDemoAid), 0x9000) << "SET STATUS: lock (ends the sequence)";
  EXPECT_EQ(gp.sw(kInstallForPerso), 0x6985);
}

}  // namespace
}  // namespace sesame::applets
