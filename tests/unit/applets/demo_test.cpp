// The demo applet end to end through CardService: SELECT, PIN (VERIFY, CHANGE REFERENCE DATA,
// RESET RETRY COUNTER with the PUK), files, counter, GET CHALLENGE, and fault injection at every
// write point of its commands.
#include "applets/demo/demo_applet.h"

#include <gtest/gtest.h>

#include "../card/card_fixture.h"
#include "applets/builtin.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "iso7816/apdu.h"
#include "store/memory_store.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::applets {
namespace {

constexpr const char* kSelect = "00A4040C08F053455341 4D4501";
constexpr const char* kVerify1234 = "002000810431323334";
constexpr const char* kPinPad = "31323334FFFFFFFF";  // "1234" FF-padded to 8
constexpr const char* kPuk = "3132333435363738";     // "12345678"

class DemoTest : public ::testing::Test, public card::testing::CardFixture {
 protected:
  DemoTest() : CardFixture(builtin_registry(), "demo", "") {
    service->install_applet(seid, demo::kModuleName, demo::module().default_instance_aid, {});
    select();
  }
  void select() { ASSERT_EQ(sw(kSelect), 0x9000); }
  void reload() {
    CardFixture::reload();
    select();
  }
};

TEST_F(DemoTest, SelectByAidAndPartialAid) {
  EXPECT_EQ(data("00A4040008F053455341" "4D450100"), "6F0A8408F053455341" "4D4501");
  EXPECT_EQ(data("00A4040005F05345534100"), "6F0A8408F053455341" "4D4501");
}

// SELECT next occurrence (P2 = 02) of the demo's AID, full or partial, as OMAPI's selectNext sends
// it: there is no other occurrence, so 6A82 (ISO/IEC 7816-4 §7.1.1; GP §11.9.2.2), not 6A86 from
// the applet's file system, and the demo stays selected.
TEST_F(DemoTest, SelectNextOccurrenceIs6A82) {
  EXPECT_EQ(sw("00A4040207F0534553414D4500"), 0x6A82);
  EXPECT_EQ(sw("00A4040208F0534553414D450100"), 0x6A82);
  EXPECT_EQ(data("00B0810000"), to_hex(as_bytes("sesame demo applet v1")));
}

TEST_F(DemoTest, InfoIsReadableAlwaysSecretOnlyAfterPin) {
  EXPECT_EQ(data("00B0810000"), to_hex(as_bytes("sesame demo applet v1")));
  EXPECT_EQ(sw("00B0820000"), 0x6982);
  EXPECT_EQ(sw(kVerify1234), 0x9000);
  EXPECT_EQ(sw("00D6820004CAFEBABE"), 0x9000);
  EXPECT_EQ(data("00B0820004"), "CAFEBABE");
  EXPECT_EQ(sw("00D6810001AA"), 0x6982) << "EF.INFO is never writable";
  select();  // reselection clears the PIN status
  EXPECT_EQ(sw("00B0820000"), 0x6982);
}

TEST_F(DemoTest, SelectByFidAndRecords) {
  EXPECT_EQ(sw("00A4000C020101"), 0x9000);
  EXPECT_EQ(sw("00A4000C020199"), 0x6A82);
  EXPECT_EQ(sw("00E2001803AABBCC"), 0x6982);
  EXPECT_EQ(sw(kVerify1234), 0x9000);
  EXPECT_EQ(sw("00E2001803AABBCC"), 0x9000);
  EXPECT_EQ(data("00B2011C00"), "AABBCC");
  EXPECT_EQ(sw("00B2021C00"), 0x6A83);
}

TEST_F(DemoTest, VerifyCountsAndBlocksAndThePukUnblocks) {
  EXPECT_EQ(sw("0020008100"), 0x63C3);
  EXPECT_EQ(sw("002000810430303030"), 0x63C2);
  EXPECT_EQ(sw("002000810430303030"), 0x63C1);
  EXPECT_EQ(sw("002000810430303030"), 0x63C0);
  EXPECT_EQ(sw(kVerify1234), 0x6983);
  EXPECT_EQ(sw("0020008100"), 0x6983);
  EXPECT_EQ(sw("002C018110" "3030303030303030" "3535353535FFFFFF"), 0x6700) << "P1=01 carries the PUK only";
  EXPECT_EQ(sw("002C008110" "3030303030303030" "35353535FFFFFFFF"), 0x63C4) << "wrong PUK";
  EXPECT_EQ(sw(std::string("002C008110") + kPuk + "35353535FFFFFFFF"), 0x9000);
  EXPECT_EQ(sw("0020008100"), 0x63C3);
  EXPECT_EQ(sw("002000810435353535"), 0x9000);
  reload();
  EXPECT_EQ(sw("002000810435353535"), 0x9000) << "the new PIN is persistent";
  EXPECT_EQ(sw("002000810430303030"), 0x63C2);
  EXPECT_EQ(sw(std::string("002C018108") + kPuk), 0x9000);
  EXPECT_EQ(sw("0020008100"), 0x63C3) << "unblock without a new PIN resets the counter";
}

TEST_F(DemoTest, ChangeReferenceData) {
  EXPECT_EQ(sw(std::string("0024008110") + kPinPad + "3939FFFFFFFFFFFF"), 0x6A80) << "new PIN too short";
  EXPECT_EQ(sw("0020008100"), 0x63C3) << "no try spent";
  EXPECT_EQ(sw(std::string("0024008110") + kPinPad + "3939393939FFFFFF"), 0x9000);
  EXPECT_EQ(sw(kVerify1234), 0x63C2);
  EXPECT_EQ(sw("00200081083939393939FFFFFF"), 0x9000);
  EXPECT_EQ(sw("0024008108" + std::string(kPinPad)), 0x6700);
}

TEST_F(DemoTest, VerifyParameterErrors) {
  EXPECT_EQ(sw("002000820431323334"), 0x6A88);
  EXPECT_EQ(sw("002001810431323334"), 0x6A86);
  EXPECT_EQ(sw("00200081093132333435363738FF"), 0x6700);
  EXPECT_EQ(sw("0020008103313233"), 0x6A80);
  EXPECT_EQ(sw(kVerify1234), 0x9000);
  EXPECT_EQ(sw("0020FF8100"), 0x9000);
  EXPECT_EQ(sw("0020008100"), 0x63C3) << "P1=FF reset the verification status";
}

TEST_F(DemoTest, CounterIsPersistentAndTransactional) {
  EXPECT_EQ(data("8011000000"), "00000000");
  EXPECT_EQ(data("8010000000"), "00000001");
  EXPECT_EQ(data("8010000000"), "00000002");
  faults->fail_commit_after = 0;
  EXPECT_EQ(sw("8010000000"), 0x6581);
  select();
  EXPECT_EQ(data("8011000000"), "00000002");
  reload();
  EXPECT_EQ(data("8010000000"), "00000003");
  EXPECT_EQ(sw("8010010000"), 0x6A86);
  EXPECT_EQ(sw("0010000000"), 0x6E00) << "proprietary instruction with an interindustry class";
}

TEST_F(DemoTest, GetChallenge) {
  const auto a = data("0084000008"), b = data("0084000008");
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
  EXPECT_EQ(data("0084000000").size(), 512u);
  EXPECT_EQ(sw("00840000"), 0x6700);
  EXPECT_EQ(sw("0084010008"), 0x6A86);
}

TEST_F(DemoTest, UnknownInstructionIs6D00) { EXPECT_EQ(sw("00EE000000"), 0x6D00); }

TEST_F(DemoTest, InstallParametersSetPinAndPuk) {
  service->install_applet(seid, demo::kModuleName, from_hex("F0534553414D450102"), from_hex("8106393837363534" "82083837363534333231"));
  ASSERT_EQ(sw("00A4040C09F0534553414D450102"), 0x9000);
  EXPECT_EQ(sw("0020008106393837363534"), 0x9000);
  EXPECT_THROW(service->install_applet(seid, demo::kModuleName, from_hex("F0534553414D450103"), from_hex("810131")), Error);
  EXPECT_THROW(service->install_applet(seid, demo::kModuleName, from_hex("F0534553414D450104"), from_hex("9901FF")), Error);
}

// RESET RETRY COUNTER with a new PIN has three write points: the PUK decrement (put_now), the PUK
// reset (put_now) and the final commit of the PIN's new value and counter. A failure at each must
// leave the state between write points, in this card and after a reload.
TEST_F(DemoTest, FaultAtEveryWritePointOfResetRetryCounter) {
  const std::string rrc = std::string("002C008110") + kPuk + "35353535FFFFFFFF";
  for (int k = 0; k <= 3; ++k) {
    SCOPED_TRACE("write point " + std::to_string(k));
    service->delete_applet(seid, demo::module().default_instance_aid);
    service->install_applet(seid, demo::kModuleName, demo::module().default_instance_aid, {});
    select();
    ASSERT_EQ(sw("002000810430303030"), 0x63C2);
    faults->fail_commit_after = k;
    EXPECT_EQ(sw(rrc), k < 3 ? 0x6581 : 0x9000);
    faults->fail_commit_after = -1;
    select();  // after 6581 the card restarted with the ISD selected
    // PIN status (VERIFY without data does not count): 1234 with 2 tries left before the final
    // commit, 5555 with 3 after it. Same card first, then a card reloaded from the store.
    EXPECT_EQ(sw("0020008100"), k < 3 ? 0x63C2 : 0x63C3);
    reload();
    EXPECT_EQ(sw("0020008100"), k < 3 ? 0x63C2 : 0x63C3);
    EXPECT_EQ(sw(k < 3 ? kVerify1234 : "002000810435353535"), 0x9000);
    // The PUK's counter: 5, 4 after the decrement, 5 again after its reset. A wrong PUK (P1=01)
    // tells the tries left after it.
    EXPECT_EQ(sw("002C0181083030303030303030"), k == 1 ? 0x63C3 : 0x63C4);
  }
}

}  // namespace
}  // namespace sesame::applets
