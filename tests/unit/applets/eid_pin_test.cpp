// The eID PIN through PACE (TR-03110-2 §3.5.1): retry counter 3, decremented and durable before
// the token is compared; suspended at 1 (needs a PACE with the CAN first), blocked at 0; unblocked
// with RESET RETRY COUNTER under PACE with the PUK.
#include <gtest/gtest.h>

#include "eid_fixture.h"

namespace sesame::applets::eid::testing {
namespace {

using EidPin = EidCardTest;

// Threat: guessing the PIN.
TEST_F(EidPin, WrongPinCountsDownDurably) {
  EXPECT_EQ(tries(), "03");
  EXPECT_EQ(pace(PasswordRef::pin, "000000"), 0x63C2);
  EXPECT_EQ(tries(), "02") << "the counter is in the store, not only in memory";
  reload();
  select();
  EXPECT_EQ(pace(PasswordRef::pin, kPin), 0x9000);
  EXPECT_EQ(mse_sw, 0x63C2) << "MSE:Set AT reports the counter";
  EXPECT_EQ(tries(), "03") << "a good PACE resets it";
}

// Threat: tearing the card (or its store) during the PIN check to get a free guess. The
// decrement is committed on its own before the token is compared: when that write fails, the card
// answers 6581 for a right and a wrong PIN alike, and no comparison happened.
TEST_F(EidPin, NoComparisonWithoutADurableDecrement) {
  for (const char* candidate : {"999999", kPin}) {
    select();
    before_token = [&] { faults->fail_commit_after = 0; };
    EXPECT_EQ(pace(PasswordRef::pin, candidate), 0x6581) << candidate;
    before_token = nullptr;
    EXPECT_EQ(tries(), "03");
  }
}

// Threat: a third guess without knowing the CAN (TR-03110 suspend rule).
TEST_F(EidPin, SuspendedPinNeedsCanFirst) {
  EXPECT_EQ(pace(PasswordRef::pin, "000000"), 0x63C2);
  EXPECT_EQ(pace(PasswordRef::pin, "111111"), 0x63C1);
  EXPECT_EQ(tries(), "01");
  EXPECT_EQ(pace(PasswordRef::pin, kPin), 0x6982) << "suspended: the right PIN is not even tried";
  EXPECT_EQ(mse_sw, 0x63C1);
  EXPECT_EQ(tries(), "01");
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  ASSERT_EQ(pace(PasswordRef::pin, kPin), 0x9000) << "resumed under the CAN channel";
  EXPECT_EQ(tries(), "03");
  EXPECT_EQ(read_sfi(0x0E).sw, 0x9000) << "the PIN's session is up";
}

TEST_F(EidPin, ResumeWithWrongPinBlocks) {
  EXPECT_EQ(pace(PasswordRef::pin, "000000"), 0x63C2);
  EXPECT_EQ(pace(PasswordRef::pin, "111111"), 0x63C1);
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  EXPECT_EQ(pace(PasswordRef::pin, "222222"), 0x63C0);
  EXPECT_EQ(tries(), "00");
  EXPECT_EQ(raw_sm_read_sw(), 0x6882) << "a failed PACE ends secure messaging";
  sm.reset();
  EXPECT_EQ(pace(PasswordRef::pin, kPin), 0x6983);
  EXPECT_EQ(mse_sw, 0x63C0);
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  EXPECT_EQ(pace(PasswordRef::pin, kPin), 0x6983) << "blocked stays blocked after a CAN";
}

// Unblocking: PACE with the PUK, then RESET RETRY COUNTER (and a new PIN).
TEST_F(EidPin, PukUnblocksThePin) {
  EXPECT_EQ(pace(PasswordRef::pin, "000000"), 0x63C2);
  EXPECT_EQ(pace(PasswordRef::pin, "111111"), 0x63C1);
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  EXPECT_EQ(pace(PasswordRef::pin, "222222"), 0x63C0);
  sm.reset();  // the failed PACE ended the CAN session
  EXPECT_EQ(sw("002C0303"), 0x6982) << "not without PACE-PUK";
  ASSERT_EQ(pace(PasswordRef::puk, kPuk), 0x9000);
  EXPECT_EQ(send({0x00, 0x2C, 0x03, 0x03, {}, 0, false}).sw, 0x9000);
  EXPECT_EQ(tries(), "03");
  EXPECT_EQ(send({0x00, 0x2C, 0x02, 0x03, Bytes{'6', '5', '4', '3', '2', '1'}, 0, false}).sw, 0x9000);
  select();
  EXPECT_EQ(pace(PasswordRef::pin, kPin), 0x63C2) << "the old PIN is gone";
  EXPECT_EQ(pace(PasswordRef::pin, "654321"), 0x9000);
}

TEST_F(EidPin, ResetRetryCounterNeedsPukNotPin) {
  ASSERT_EQ(pace(PasswordRef::pin, kPin), 0x9000);
  EXPECT_EQ(send({0x00, 0x2C, 0x03, 0x03, {}, 0, false}).sw, 0x6982);
  EXPECT_EQ(send({0x00, 0x2C, 0x02, 0x03, Bytes{'1', '2'}, 0, false}).sw, 0x6A80);
}

TEST_F(EidPin, WrongCanOrMrzIs6300AndCountsNothing) {
  EXPECT_EQ(pace(PasswordRef::can, "000000"), 0x6300);
  EXPECT_EQ(pace(PasswordRef::mrz, "T22000129640812101032"), 0x6300);
  EXPECT_EQ(tries(), "03");
}

TEST_F(EidPin, MseRefusesUnknownPasswordAndProtocol) {
  EXPECT_EQ(sw("0022C1A40F800A04007F00070202040202830105"), 0x6A88);
  EXPECT_EQ(sw("0022C1A40F800A04007F00070202040209830103"), 0x6A80);
  EXPECT_EQ(sw("0022C1A412800A04007F0007020204020283010384010C"), 0x6A80) << "P-256 is not this card's curve";
  EXPECT_EQ(sw("00860000027C0000"), 0x6985) << "GENERAL AUTHENTICATE without MSE";
}

}  // namespace
}  // namespace sesame::applets::eid::testing
