// The card runtime's dispatcher: status words for malformed and misdirected commands, SELECT by
// AID (full, partial, next occurrence, forwarding, life cycles), logical channels, resets and
// GET RESPONSE. Expected status words: ISO/IEC 7816-4:2013 §5.1.1/§5.6/§11.1.2/§11.2.2, Java Card 3
// RE §4.5/§4.6, GP Card Specification 2.3 §11.9.
#include <gtest/gtest.h>

#include "card/card_state.h"
#include "test_harness.h"

namespace sesame::card {
namespace {

using testing::Harness;
using testing::kMultiAid;
using testing::kTxAid1;
using testing::kTxAid2;

class CardTest : public ::testing::Test {
 protected:
  void SetUp() override { h.install_test_applets(); }
  Harness h;
};

TEST_F(CardTest, AtrIsSesamesT1AtrWithValidTck) {
  const Bytes atr = h.service->power_on(h.seid);
  // TS 3B, T0 8C, TD1 80, TD2 01 (T=1), historical bytes 80 56 'SESAME' 73 F6 21 5B, TCK.
  EXPECT_EQ(to_hex(atr), "3B8C80018056534553414D4573F6215B28");
  std::uint8_t x = 0;
  for (std::size_t i = 1; i < atr.size(); ++i) x ^= atr[i];
  EXPECT_EQ(x, 0) << "TCK makes the XOR of T0..TCK zero (ISO/IEC 7816-3 §8.2.5)";
  EXPECT_EQ(h.service->reset(h.seid, true), atr);
  EXPECT_EQ(h.service->info(h.seid).atr, atr);
}

TEST_F(CardTest, MalformedApduIs6700) {
  EXPECT_EQ(h.sw("00A4"), 0x6700);       // shorter than a header
  EXPECT_EQ(h.sw("800500000201020304"), 0x6700);  // Lc=2 with 4 bytes after it
  EXPECT_EQ(h.sw("8005000003AA"), 0x6700);
}

TEST_F(CardTest, InvalidClassIs6E00AndInvalidInsIs6D00) {
  EXPECT_EQ(h.sw("FFCA9F7F00"), 0x6E00);  // CLA FF is invalid
  EXPECT_EQ(h.sw("20CA9F7F00"), 0x6E00);  // 001x xxxx is reserved
  EXPECT_EQ(h.sw("0060000000"), 0x6D00);  // INS 6X invalid
  EXPECT_EQ(h.sw("0090000000"), 0x6D00);  // INS 9X invalid
  EXPECT_EQ(h.sw("80EE000000"), 0x6D00);  // unknown to the ISD
}

TEST_F(CardTest, IsdIsSelectedOnChannelZeroAfterReset) {
  auto r = h.tx("80CA9F7F00");
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(r.data.size(), 45u);
}

TEST_F(CardTest, NoAppletSelectedIs6A82) {
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x9000);
  h.service->delete_applet(h.seid, kTxAid1);  // the applet selected on channel 0 disappears
  EXPECT_EQ(h.sw("8005000000"), 0x6A82);
  EXPECT_EQ(h.sw("00A4040C07A0000009990199"), 0x6A82) << "nothing to forward an unknown AID to";
  EXPECT_EQ(h.sw("00A4040C07A0000009990102"), 0x9000);
}

TEST_F(CardTest, SelectReturnsFciAndP2VariantsControlIt) {
  EXPECT_EQ(h.data("00A4040007A000000999010100"), "6F0984" "07A0000009990101");
  EXPECT_EQ(h.data("00A4040007A000000999010100").size(), 22u);
  EXPECT_EQ(h.tx("00A4040C07A0000009990101").data.size(), 0u);
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x9000);
  EXPECT_EQ(h.data("00A4040407A000000999010100"), "6F098407A0000009990101");
  EXPECT_EQ(h.sw("00A4041007A0000009990101"), 0x6A86);  // b8..b5 must be zero
  EXPECT_EQ(h.sw("00A4040107A0000009990101"), 0x6A86);  // last occurrence: not supported
}

TEST_F(CardTest, SelectUnknownAidIs6A82WhenNothingTakesIt) {
  EXPECT_EQ(h.sw("00A4040C07A0000009990199"), 0x6A82 ) << "forwarded to the ISD, which knows no such DF";
  EXPECT_EQ(h.sw("00A4040C04A0000009"), 0x6A82);  // shorter than a RID: no partial match
}

TEST_F(CardTest, SelectWithoutDataSelectsTheIsd) {
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x9000);
  auto r = h.tx("00A4040000");
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(to_hex(r.data).substr(0, 26), to_hex(Bytes{0x6F, static_cast<std::uint8_t>(r.data.size() - 2)}) + "8408A000000151000000" + "A5");
}

TEST_F(CardTest, PartialSelectAndNextOccurrence) {
  // A0000009990101 and A0000009990102 share the prefix A000000999 01; the multi applet A0000009990201 shares A000000999.
  EXPECT_EQ(h.data("00A4040006A0000009990100"), "6F098407A0000009990101");
  EXPECT_EQ(h.data("00A4040206A0000009990100"), "6F098407A0000009990102");
  EXPECT_EQ(h.sw("00A4040206A00000099901"), 0x6A82) << "no third occurrence (GP §11.9.2.2)";
  EXPECT_EQ(h.data("00A4040005A00000099900"), "6F098407A0000009990101");
  EXPECT_EQ(h.data("00A4040205A00000099900"), "6F098407A0000009990102");
  EXPECT_EQ(h.data("00A4040205A00000099900"), "6F098407A0000009990201");
  EXPECT_EQ(h.data("00A4040205A00000099900"), "6F098407A0000009990301");
  EXPECT_EQ(h.sw("00A4040205A00000099900"), 0x6A82) << "past the last occurrence";
  EXPECT_EQ(h.data("8007000000"), "01") << "the last one found stays selected";
}

// ISO/IEC 7816-4 §7.1.1: P2 b2b1 = 10 (next occurrence) is valid with a full AID as with a partial
// one; when there is no next occurrence the card answers 6A82 itself (GP §11.9.2.2) and the
// current selection stays. It is not forwarded to the selected applet as a DF name (which an
// applet with a file system would refuse with 6A86 for the occurrence bits).
TEST_F(CardTest, NextOccurrenceOfAFullAidIs6A82AndKeepsTheSelection) {
  EXPECT_EQ(h.data("00A4040007A000000999010100"), "6F098407A0000009990101");
  EXPECT_EQ(h.data("8007000000"), "01");  // session counter of tx1
  EXPECT_EQ(h.sw("00A4040207A000000999010100"), 0x6A82) << "tx1 is the only occurrence of its AID";
  EXPECT_EQ(h.data("8007000000"), "02") << "tx1 stays selected, not deselected";
  EXPECT_EQ(h.sw("00A4040208A00000015100000000"), 0x9000);
  EXPECT_EQ(h.sw("00A4040208A00000015100000000"), 0x6A82) << "the ISD, selected, has no next occurrence";
  // Next occurrence with the current applet not matching the name starts from the top.
  EXPECT_EQ(h.data("00A4040207A000000999010200"), "6F098407A0000009990102");
}

TEST_F(CardTest, InstalledAndLockedAppletsAreNotSelectable) {
  h.service->set_applet_life_cycle(h.seid, kTxAid2, 0x03);  // INSTALLED
  EXPECT_EQ(h.sw("00A4040C07A0000009990102"), 0x6A82);
  h.service->set_applet_life_cycle(h.seid, kTxAid2, 0x0F);  // application-specific state 01
  EXPECT_EQ(h.sw("00A4040C07A0000009990102"), 0x9000);
  h.service->set_applet_life_cycle(h.seid, kTxAid2, 0x8F);  // LOCKED: deselected at once
  EXPECT_EQ(h.sw("8005000000"), 0x6A82);
  EXPECT_EQ(h.sw("00A4040C07A0000009990102"), 0x6A82);
  EXPECT_EQ(h.data("00A4040006A0000009990100"), "6F098407A0000009990101") << "partial match skips the locked one";
  EXPECT_EQ(h.sw("00A4040206A00000099901"), 0x6A82);
  EXPECT_THROW(h.service->set_applet_life_cycle(h.seid, kTxAid2, 0x05), Error);
}

TEST_F(CardTest, CardLockedLeavesOnlyTheIsdWithWarning6283) {
  h.service->set_life_cycle(h.seid, CardLifeCycle::card_locked);
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x6A82);
  EXPECT_EQ(h.sw("00A4040C08A000000151000000"), 0x6283);
  h.service->set_life_cycle(h.seid, CardLifeCycle::secured);
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x9000);
}

TEST_F(CardTest, TerminatedCardAnswersOnlyGetData) {
  h.service->set_life_cycle(h.seid, CardLifeCycle::terminated);
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x6A81);
  EXPECT_EQ(h.sw("0070000100"), 0x6A81);
  EXPECT_EQ(h.sw("80CA9F7F00"), 0x9000);
  EXPECT_EQ(h.sw("80F28002024F0000"), 0x6A81);
  EXPECT_THROW(h.service->set_life_cycle(h.seid, CardLifeCycle::secured), Error);
  EXPECT_THROW(h.service->install_applet(h.seid, "test.tx", from_hex("A0000009990199"), {}), Error);
}

TEST_F(CardTest, ManageChannelOpenAndClose) {
  EXPECT_EQ(h.data("0070000001"), "01");
  EXPECT_EQ(h.data("0070000001"), "02");
  EXPECT_EQ(h.sw("0070000300"), 0x9000);  // explicit 3
  EXPECT_EQ(h.sw("0070000001"), 0x6A81);  // none left
  EXPECT_EQ(h.sw("0070000300"), 0x6A86);  // already open
  EXPECT_EQ(h.sw("0070000400"), 0x6A86);  // not supported
  EXPECT_EQ(h.sw("0070800200"), 0x9000);  // close 2 from 0
  EXPECT_EQ(h.sw("0270800000"), 0x6881);  // channel 2 is closed now
  EXPECT_EQ(h.sw("0370800000"), 0x9000);  // close 3 from itself
  EXPECT_EQ(h.sw("0070800300"), 0x6200);  // not open: warning
  EXPECT_EQ(h.sw("0070800000"), 0x6A81);  // the basic channel never closes
  EXPECT_EQ(h.sw("0170800000"), 0x9000);
  EXPECT_EQ(h.sw("0070400000"), 0x6A81);  // P1 neither 00 nor 80
  EXPECT_EQ(h.sw("007000000101"), 0x6700);  // data field
  EXPECT_EQ(h.sw("0C70000001"), 0x6882);    // secure messaging
  EXPECT_EQ(h.sw("1070000001"), 0x6884);    // chaining
}

TEST_F(CardTest, ChannelNumbersOutsideTheFourAre6881) {
  EXPECT_EQ(h.sw("4080000000"), 0x6881);  // further interindustry class: channel 4
  EXPECT_EQ(h.sw("01CA9F7F00"), 0x6881);  // channel 1 not open
  EXPECT_EQ(h.sw("81CA9F7F00"), 0x6881);
}

TEST_F(CardTest, ChannelOpenedFromBasicGetsTheIsdAndFromOthersTheirApplet) {
  EXPECT_EQ(h.data("0070000001"), "01");
  EXPECT_EQ(h.sw("81CA9F7F00"), 0x9000);  // the ISD answers on 1
  EXPECT_EQ(h.sw("01A4040C07A0000009990201"), 0x9000);  // multi applet on 1
  EXPECT_EQ(h.data("0170000001"), "02");  // opened from 1: the multi applet is selected on 2
  EXPECT_EQ(h.data("820A000000"), "");
  EXPECT_EQ(h.sw("8201000001AB"), 0x9000);
  EXPECT_EQ(h.data("8105000000"), "AB") << "the same instance on two channels";
}

TEST_F(CardTest, NonMultiselectableAppletOnTwoChannelsIs6985) {
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x9000);
  EXPECT_EQ(h.data("0070000001"), "01");
  EXPECT_EQ(h.sw("01A4040C07A0000009990101"), 0x6985);
  EXPECT_EQ(h.sw("01A4040C07A0000009990201"), 0x9000);
  EXPECT_EQ(h.sw("00A4040C07A0000009990201"), 0x9000) << "multi-selectable";
  // From channel 1 (tx1 is on 0 no more): opening from 0 now selects the ISD: fine.
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x9000);
  EXPECT_EQ(h.sw("0070800100"), 0x9000);
  EXPECT_EQ(h.sw("0070000100"), 0x9000);
  EXPECT_EQ(h.sw("01A4040C07A0000009990101"), 0x6985);
}

TEST_F(CardTest, SelectOnAClosedChannelOpensIt) {
  EXPECT_EQ(h.sw("02A4040C07A0000009990101"), 0x9000);  // ISO/IEC 7816-4:2013 §5.1.1.2
  EXPECT_EQ(h.sw("8207000000"), 0x9000);
  EXPECT_EQ(h.sw("03A4040C07A0000009990199"), 0x6A82);
  EXPECT_EQ(h.sw("8307000000"), 0x6881) << "a failed SELECT leaves the channel closed";
}

TEST_F(CardTest, FailedSelectKeepsThePreviousApplet) {
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x9000);
  EXPECT_EQ(h.sw("8001000001AA"), 0x9000);
  EXPECT_EQ(h.sw("00A4040C07A0000009990199"), 0x6A82) << "forwarded to tx1";
  EXPECT_EQ(h.data("8005000000"), "AA");
}

TEST_F(CardTest, ChainingAndSecureMessagingRefusedForAppletsWithout) {
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x9000);
  EXPECT_EQ(h.sw("9001000001AA"), 0x6884);
  EXPECT_EQ(h.sw("8401000001AA"), 0x6882);
  EXPECT_EQ(h.sw("10A4040C07A0000009990101"), 0x6884);
  EXPECT_EQ(h.sw("04A4040C07A0000009990101"), 0x6882);
  EXPECT_EQ(h.sw("00A4040C07A0000009990301"), 0x9000);
  EXPECT_EQ(h.sw("9001000001AA"), 0x9000) << "the chaining applet receives chained commands";
}

TEST_F(CardTest, ResetClearsTransientStateAndKeepsPersistent) {
  EXPECT_EQ(h.sw("00A4040C07A0000009990201"), 0x9000);
  EXPECT_EQ(h.data("8007000000"), "01");
  EXPECT_EQ(h.data("8007000000"), "02");
  EXPECT_EQ(h.sw("8001000001AB"), 0x9000);
  EXPECT_EQ(h.data("0070000001"), "01");
  for (bool warm : {true, false}) {
    h.service->reset(h.seid, warm);
    EXPECT_EQ(h.sw("8105000000"), 0x6881) << "channels 1-3 closed";
    EXPECT_EQ(h.sw("80CA9F7F00"), 0x9000) << "the ISD is selected on channel 0";
    EXPECT_EQ(h.sw("00A4040C07A0000009990201"), 0x9000);
    EXPECT_EQ(h.data("8007000000"), "01") << "session state starts afresh";
    EXPECT_EQ(h.data("8005000000"), "AB") << "persistent state kept";
  }
  h.service->power_off(h.seid);
  EXPECT_FALSE(h.service->info(h.seid).powered);
  EXPECT_EQ(h.sw("8007000000"), 0x6D00) << "transmit powers on: the ISD is selected";
  EXPECT_TRUE(h.service->info(h.seid).powered);
}

TEST_F(CardTest, DeselectClearsSession) {
  EXPECT_EQ(h.sw("00A4040C07A0000009990201"), 0x9000);
  EXPECT_EQ(h.data("8007000000"), "01");
  EXPECT_EQ(h.sw("00A4040C07A0000009990201"), 0x9000);  // reselection deselects first
  EXPECT_EQ(h.data("8007000000"), "01");
}

TEST_F(CardTest, LongResponsesComeInPartsWithGetResponse) {
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x9000);
  auto r = h.tx("8008012C00");  // 300 bytes asked, Le=00 (256)
  EXPECT_EQ(r.sw, 0x612C);
  EXPECT_EQ(r.data.size(), 256u);
  r = h.tx("00C0000000");
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(r.data, Bytes(44, 0x5A));
  EXPECT_EQ(h.sw("00C0000000"), 0x6985) << "nothing left";
  r = h.tx("8008002010");  // Le=16 for 32 bytes
  EXPECT_EQ(r.sw, 0x6110);
  EXPECT_EQ(h.sw("8005000000"), 0x9000) << "another command drops the rest";
  EXPECT_EQ(h.sw("00C0000000"), 0x6985);
  r = h.tx("8008012C000000");  // extended Le 65536
  EXPECT_EQ(r.data.size(), 300u);
}

// Without Le (cases 1 and 3) the applet's data is still sent, as T=1 cards answer a case 3 SELECT
// with its FCI, but no more than a short Le (256) allows, or an extended one for an extended command.
TEST_F(CardTest, ResponseDataWithoutLeIsCappedAtTheLargestLe) {
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x9000);
  auto r = h.tx("80080010");  // case 1, 16 bytes of response
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(r.data, Bytes(16, 0x5A));
  EXPECT_EQ(h.data("00A4040007A000000999010100"), "6F098407A0000009990101");
  EXPECT_EQ(h.data("00A4040007A0000009990101"), "6F098407A0000009990101") << "case 3 SELECT: the FCI";
  r = h.tx("8008012C");  // case 1, 300 bytes
  EXPECT_EQ(r.sw, 0x612C);
  EXPECT_EQ(r.data.size(), 256u);
  r = h.tx("00C0000000");
  EXPECT_EQ(r.data.size(), 44u);
  r = h.tx("8008012C000001AA");  // case 3 with extended Lc
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(r.data.size(), 300u);
}

}  // namespace
}  // namespace sesame::card
