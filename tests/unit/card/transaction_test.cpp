// Per-command transactions: buffered writes commit together when a command ends normally and are
// discarded otherwise; put_now() is durable at once; a failing store write at ANY write point of a
// command leaves the card exactly as the store holds it (6581), which is the state after the
// write points that succeeded.
#include <gtest/gtest.h>

#include "test_harness.h"

namespace sesame::card {
namespace {

using testing::Harness;

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.install_test_applets();
    select();
  }
  void select() { ASSERT_EQ(h.sw("00A4040C07A0000009990101"), 0x9000); }
  std::string a() { return h.data("8005000000"); }
  std::string ctr() { return h.data("800A000000"); }
  Harness h;
};

TEST_F(TransactionTest, BufferedWritesCommitWhenTheCommandEndsNormally) {
  EXPECT_EQ(h.sw("8001000001AA"), 0x9000);
  EXPECT_EQ(a(), "AA");
  h.reload();
  select();
  EXPECT_EQ(a(), "AA");
}

TEST_F(TransactionTest, StatusWordDiscardsTheCommandsWrites) {
  EXPECT_EQ(h.sw("8001000001AA"), 0x9000);
  EXPECT_EQ(h.sw("8002000001BB"), 0x6A80);
  EXPECT_EQ(a(), "AA");
  h.reload();
  select();
  EXPECT_EQ(a(), "AA");
}

TEST_F(TransactionTest, UnexpectedExceptionIs6F00AndDiscards) {
  EXPECT_EQ(h.sw("8001000001AA"), 0x9000);
  EXPECT_EQ(h.sw("8004000001CC"), 0x6F00);
  EXPECT_EQ(a(), "AA");
}

TEST_F(TransactionTest, ReadsSeeBufferedWrites) { EXPECT_EQ(h.data("8006000001DD"), "DD"); }

TEST_F(TransactionTest, PutNowSurvivesAFailingCommand) {
  EXPECT_EQ(h.sw("8001000001AA"), 0x9000);
  EXPECT_EQ(h.sw("800B000000"), 0x6985);
  EXPECT_EQ(ctr(), "01");
  h.reload();
  select();
  EXPECT_EQ(ctr(), "01");
  EXPECT_EQ(a(), "AA");
}

TEST_F(TransactionTest, FailedFinalCommitIs6581AndTheCardIsAsStored) {
  EXPECT_EQ(h.sw("8001000001AA"), 0x9000);
  h.faults->fail_commit_after = 0;
  EXPECT_EQ(h.sw("8001000001BB"), 0x6581);
  EXPECT_EQ(h.faults->injected.load(), 1);
  // A memory failure restarts the card as after a reset: the ISD is selected on channel 0.
  EXPECT_EQ(h.sw("8005000000"), 0x6D00);
  select();
  EXPECT_EQ(a(), "AA");
}

TEST_F(TransactionTest, ReadOnlyCommandsWorkWhileTheStoreRefusesWrites) {
  EXPECT_EQ(h.sw("8001000001AA"), 0x9000);
  h.faults->fail_all_commits = true;
  EXPECT_EQ(a(), "AA");
  EXPECT_EQ(h.sw("8001000001BB"), 0x6581);
  select();
  EXPECT_EQ(a(), "AA");
  h.faults->fail_all_commits = false;
  EXPECT_EQ(h.sw("8001000001BB"), 0x9000);
  EXPECT_EQ(a(), "BB");
}

// INS 09 has three write points: put_now "ctr", put_now "b", the final commit of "a".
// Failing write point k must leave exactly the effects of write points 0..k-1, both in the card
// that saw the failure and in a card reloaded from the store.
TEST_F(TransactionTest, FaultAtEveryWritePointLeavesTheStateBetweenWritePoints) {
  struct Expect {
    std::string ctr, b, a;
  };
  // Baseline: no "ctr", no "b", a = 11.
  const std::vector<Expect> after = {{"", "", "11"}, {"01", "", "11"}, {"01", "22", "11"}, {"01", "22", "22"}};
  for (int k = 0; k <= 3; ++k) {
    SCOPED_TRACE("write point " + std::to_string(k));
    Harness fresh;
    fresh.install_test_applets();
    ASSERT_EQ(fresh.sw("00A4040C07A0000009990101"), 0x9000);
    ASSERT_EQ(fresh.sw("8001000001" "11"), 0x9000);
    fresh.faults->fail_commit_after = k;
    const auto sw = fresh.sw("8009000001" "22");
    fresh.faults->fail_commit_after = -1;
    EXPECT_EQ(sw, k < 3 ? 0x6581 : 0x9000);
    EXPECT_EQ(fresh.faults->injected.load(), k < 3 ? 1 : 0);
    for (int pass = 0; pass < 2; ++pass) {
      SCOPED_TRACE(pass == 0 ? "same card" : "reloaded card");
      if (pass == 1) fresh.reload();
      ASSERT_EQ(fresh.sw("00A4040C07A0000009990101"), 0x9000);
      EXPECT_EQ(fresh.data("800A000000"), after[k].ctr);
      EXPECT_EQ(fresh.data("800C000000"), after[k].b);
      EXPECT_EQ(fresh.data("8005000000"), after[k].a);
    }
  }
}

TEST_F(TransactionTest, FailedInstallLeavesNoTrace) {
  h.faults->fail_commit_after = 0;
  EXPECT_THROW(h.service->install_applet(h.seid, "test.tx", from_hex("A0000009990109"), {}), Error);
  EXPECT_EQ(h.service->info(h.seid).applets.size(), 5u);
  EXPECT_EQ(h.sw("00A4040C07A0000009990109"), 0x6A82 ) << "not installed; forwarded to tx1";
  h.reload();
  EXPECT_EQ(h.service->info(h.seid).applets.size(), 5u);
  h.service->install_applet(h.seid, "test.tx", from_hex("A0000009990109"), {});
  EXPECT_EQ(h.service->info(h.seid).applets.size(), 6u);
}

TEST_F(TransactionTest, FailedDeleteKeepsTheApplet) {
  EXPECT_EQ(h.sw("8001000001AA"), 0x9000);
  h.faults->fail_commit_after = 0;
  EXPECT_THROW(h.service->delete_applet(h.seid, testing::kTxAid1), Error);
  EXPECT_EQ(a(), "AA");
  h.reload();
  select();
  EXPECT_EQ(a(), "AA");
  h.service->delete_applet(h.seid, testing::kTxAid1);
  h.service->install_applet(h.seid, "test.tx", testing::kTxAid1, {});
  select();
  EXPECT_EQ(a(), "") << "a new instance under the same AID starts empty";
}

// Item: an applet's own exception that carries Errc::integrity, or a refused AES-GCM tag in applet
// code (Errc::crypto), is the applet's failure, not the store's: 6F00, its writes dropped, and the
// card is NOT reloaded (the applet stays selected and its session survives).
TEST_F(TransactionTest, AppletIntegrityOrCryptoErrorIs6F00WithoutReload) {
  EXPECT_EQ(h.sw("8001000001AA"), 0x9000);
  EXPECT_EQ(h.data("8007000000"), "01");  // session counter
  EXPECT_EQ(h.sw("800D000001BB"), 0x6F00);
  EXPECT_EQ(h.data("8007000000"), "02") << "still selected, session kept: no reload";
  EXPECT_EQ(h.sw("800E000001CC"), 0x6F00);
  EXPECT_EQ(h.data("8007000000"), "03");
  EXPECT_EQ(a(), "AA");
  EXPECT_EQ(h.faults->injected.load(), 0);
  h.reload();
  select();
  EXPECT_EQ(a(), "AA");
}

// A store failure stays a memory failure even when the applet catches and swallows it.
TEST_F(TransactionTest, StoreFailureSwallowedByTheAppletIsStill6581) {
  EXPECT_EQ(h.data("8007000000"), "01");
  h.faults->fail_commit_after = 0;
  EXPECT_EQ(h.sw("800F000000"), 0x6581);
  EXPECT_EQ(h.faults->injected.load(), 1);
  EXPECT_EQ(h.sw("8005000000"), 0x6D00) << "the card restarted: the ISD is selected";
  select();
  EXPECT_EQ(ctr(), "");
}

// One SELECT is one command and one commit: the old applet's deselect() writes and the new
// applet's select() writes land together or not at all.
class SelectTransactionTest : public TransactionTest {
 protected:
  void SetUp() override {
    TransactionTest::SetUp();
    // tx2 and then tx1 write in deselect() and in select().
    ASSERT_EQ(h.sw("00A4040C07A0000009990102"), 0x9000);
    ASSERT_EQ(h.sw("8010030000"), 0x9000);
    select();  // tx2.desel = 01 (tx1 does not write yet)
    ASSERT_EQ(h.sw("8010030000"), 0x9000);
  }
  std::string stored(const Bytes& aid, const char* key) { return h.stored(aid, key); }
};

TEST_F(SelectTransactionTest, SwitchingAppletsCommitsOnce) {
  ASSERT_EQ(stored(testing::kTxAid2, "desel"), "01");
  ASSERT_EQ(stored(testing::kTxAid1, "desel"), "");
  h.faults->fail_commit_after = 1;  // one commit may succeed, a second one would fail
  EXPECT_EQ(h.sw("00A4040C07A0000009990102"), 0x9000);
  EXPECT_EQ(h.faults->injected.load(), 0);
  EXPECT_EQ(h.faults->fail_commit_after.load(), 0) << "exactly one commit";
  h.faults->fail_commit_after = -1;
  EXPECT_EQ(stored(testing::kTxAid1, "desel"), "01");
  EXPECT_EQ(stored(testing::kTxAid2, "sel"), "01");
}

TEST_F(SelectTransactionTest, FailedCommitOfASelectKeepsNeitherWrite) {
  h.faults->fail_commit_after = 0;
  EXPECT_EQ(h.sw("00A4040C07A0000009990102"), 0x6581);
  EXPECT_EQ(h.faults->injected.load(), 1);
  EXPECT_EQ(stored(testing::kTxAid1, "desel"), "") << "the deselect's write did not land alone";
  EXPECT_EQ(stored(testing::kTxAid2, "sel"), "");
  EXPECT_EQ(h.sw("8005000000"), 0x6D00) << "memory failure: the card restarted with the ISD";
  EXPECT_EQ(h.sw("00A4040C07A0000009990102"), 0x9000);  // tx1 is not selected: no deselect
  EXPECT_EQ(stored(testing::kTxAid2, "sel"), "01");
  EXPECT_EQ(stored(testing::kTxAid1, "desel"), "");
}

// select() refusing (6999): the new applet's writes are dropped, the old applet's deselect()
// writes commit (it was deselected), and nothing is selected.
TEST_F(SelectTransactionTest, RefusedSelectKeepsTheDeselectWrites) {
  ASSERT_EQ(h.sw("00A4040C07A0000009990102"), 0x9000);  // tx1.desel = 01, tx2.sel = 01
  ASSERT_EQ(h.sw("8010070000"), 0x9000);                 // tx2 now refuses selection after writing
  select();                                              // tx2.desel = 02, tx1.sel = 01
  h.faults->fail_commit_after = 1;
  EXPECT_EQ(h.sw("00A4040C07A0000009990102"), 0x6999);
  EXPECT_EQ(h.faults->fail_commit_after.load(), 0) << "one commit";
  h.faults->fail_commit_after = -1;
  EXPECT_EQ(stored(testing::kTxAid1, "desel"), "02");
  EXPECT_EQ(stored(testing::kTxAid2, "sel"), "01") << "the refused select()'s write was dropped";
  EXPECT_EQ(h.sw("8005000000"), 0x6A82) << "nothing selected on the channel";
}

// An exception from deselect() is ignored (Java Card 3 RE: the applet is deselected anyway) and
// drops only the deselect's own writes.
TEST_F(SelectTransactionTest, ThrowingDeselectLosesOnlyItsOwnWrites) {
  ASSERT_EQ(h.sw("80100B0000"), 0x9000);  // tx1: writes, then throws, in deselect()
  EXPECT_EQ(h.sw("00A4040C07A0000009990102"), 0x9000);
  EXPECT_EQ(stored(testing::kTxAid1, "desel"), "");
  EXPECT_EQ(stored(testing::kTxAid2, "sel"), "01");
  EXPECT_EQ(h.data("8007000000"), "01") << "tx2 selected";
}

// A record written with put_now after a buffered write of the same key (reselecting the same
// applet: deselect() buffers x = AA, select() writes x = BB durably, then refuses) keeps the
// durable value: rolling back the refused select() must not bring the older buffered one back.
TEST_F(SelectTransactionTest, PutNowIsNotUndoneByARollback) {
  ASSERT_EQ(h.sw("8010340000"), 0x9000);  // tx1: deselect puts x = AA, select put_nows x = BB and refuses
  EXPECT_EQ(h.sw("00A4040C07A0000009990101"), 0x6999);
  EXPECT_EQ(stored(testing::kTxAid1, "x"), "BB");
}

// MANAGE CHANNEL close: the deselect's writes in one commit; a failed commit is a memory failure.
TEST_F(SelectTransactionTest, ClosingAChannelCommitsTheDeselectOnce) {
  ASSERT_EQ(h.sw("00A4040C07A0000009990201"), 0x9000);  // multi on channel 0 (tx1.desel = 01)
  ASSERT_EQ(h.sw("8010010000"), 0x9000);                 // multi writes in deselect()
  ASSERT_EQ(h.data("0070000001"), "01");
  ASSERT_EQ(h.sw("01A4040C07A0000009990201"), 0x9000);   // multi on channel 1 too
  h.faults->fail_commit_after = 1;
  EXPECT_EQ(h.sw("01708001"), 0x9000);
  EXPECT_EQ(h.faults->fail_commit_after.load(), 0) << "one commit";
  h.faults->fail_commit_after = -1;
  EXPECT_EQ(stored(testing::kMultiAid, "desel"), "01");
  ASSERT_EQ(h.data("0070000001"), "01");
  ASSERT_EQ(h.sw("01A4040C07A0000009990201"), 0x9000);
  h.faults->fail_commit_after = 0;
  EXPECT_EQ(h.sw("00708001"), 0x6581);
  EXPECT_EQ(stored(testing::kMultiAid, "desel"), "01");
  EXPECT_EQ(h.sw("01A4040C07A0000009990201"), 0x9000) << "SELECT reopens the channel closed by the restart";
}

}  // namespace
}  // namespace sesame::card
