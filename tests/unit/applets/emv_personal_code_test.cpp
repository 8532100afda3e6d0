// The Personal Code of the payment applet in the two Payez Mobile modes (docs/EMV.md "Personal
// Code"): VERIFY before the tap (PIN-TAP), or a first tap above the entry limit that declines with
// "code required" in the CVR, the code, and a second tap (TAP-PIN-TAP); the try limit blocks the
// application. Threats: guessing the code (try counter durable before the comparison, blocking),
// a verification reused for a second transaction, a stale verification.
#include <gtest/gtest.h>

#include "applets/emv/payment_records.h"
#include "emv_payment_fixture.h"

namespace sesame::applets::emv::testing {
namespace {

using P = std::pair<std::uint8_t, std::uint8_t>;
constexpr const char* kVerifyGood = "0020008008241234FFFFFFFFFF";  // ISO 9564 format 2, PIN 1234
constexpr const char* kVerifyBad = "0020008008249999FFFFFFFFFF";

std::string profile(const char* mode) {
  return test_profile([&](nlohmann::json& j) {
    j["personal_code"] = {{"mode", mode}, {"entry_limit", 3000}, {"validity_seconds", 300}};
  });
}

class PersonalCode : public PaymentFixture {
 public:
  explicit PersonalCode(const char* mode) : PaymentFixture(profile(mode)) {}
  // One tap asking for an ARQC: the CID and CVR byte 4.
  std::pair<std::uint8_t, std::uint8_t> tap(std::uint64_t amount, const std::string& p1 = "80") {
    select_payment();
    EXPECT_EQ(sw(kGpo), 0x9000);
    const auto r = first_ac(p1, cdol1(amount));
    return {r.cid, r.iad.size() == 8 ? r.iad[5] : 0xFF};
  }
};

class TapPinTap : public ::testing::Test, public PersonalCode {
 public:
  TapPinTap() : PersonalCode("tap_pin_tap") {}
};
class PinTap : public ::testing::Test, public PersonalCode {
 public:
  PinTap() : PersonalCode("pin_tap") {}
};

TEST_F(TapPinTap, FirstTapAboveTheLimitAsksForTheCodeSecondTapCompletes) {
  EXPECT_EQ(tap(1000, "40"), (P{0x40, 0x00})) << "below the limit: no code";
  EXPECT_EQ(tap(5000), (P{0x00, kCvrCodeRequired})) << "declined: code required";
  EXPECT_EQ(sw(kVerifyGood), 0x9000);
  EXPECT_EQ(tap(1000, "40").second, 0x00) << "TAP-PIN-TAP: a small purchase does not use the code";
  EXPECT_EQ(tap(5000), (P{0x80, kCvrCodeVerified}));
  EXPECT_EQ(tap(5000).first, 0x00) << "one verification, one transaction";
}

TEST_F(TapPinTap, StaleVerificationDoesNotCount) {
  select_payment();
  ASSERT_EQ(sw(kVerifyGood), 0x9000);
  {
    auto cs = store->open_card(seid);
    cs->commit({{to_hex(kMastercardAid) + "/pcv", SecureBytes(Bytes(8, 0))}});  // expired long ago
  }
  reload();
  EXPECT_EQ(tap(5000).second, kCvrCodeRequired);
  EXPECT_EQ(stored(kMastercardAid, "pcv"), "") << "the stale verification is gone";
}

TEST_F(PinTap, CodeBeforeTheTapIsForTheNextTransactionOnly) {
  select_payment();
  ASSERT_EQ(sw(kVerifyGood), 0x9000);
  EXPECT_EQ(tap(1000, "40"), (P{0x40, kCvrCodeVerified}));
  EXPECT_EQ(tap(5000).second, kCvrCodeRequired) << "used by the previous tap";
  select_payment();
  ASSERT_EQ(sw(kVerifyGood), 0x9000);
  EXPECT_EQ(tap(5000), (P{0x80, kCvrCodeVerified}));
}

// Threat: guessing the code. The counter is durable before the comparison; a good code resets it;
// three wrong codes block the application.
TEST_F(PinTap, TryLimitBlocksTheApplication) {
  select_payment();
  EXPECT_EQ(sw(kVerifyBad), 0x63C2);
  EXPECT_EQ(sw(kVerifyGood), 0x9000);
  EXPECT_EQ(data("80CA9F1700"), "9F170103");
  EXPECT_EQ(sw(kVerifyBad), 0x63C2);
  EXPECT_EQ(sw(kVerifyBad), 0x63C1);
  EXPECT_EQ(sw(kVerifyBad), 0x63C0);
  EXPECT_EQ(sw(kVerifyGood), 0x6983);
  EXPECT_EQ(stored(kMastercardAid, "ptc"), "00");
  reload();
  EXPECT_EQ(sw(kSelectPayment), 0x6283) << "blocked, and it says so";
  EXPECT_EQ(from_hex(data("80CADF2100"))[3], 1);
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(first_ac("40", cdol1(100)).cid, 0x00);
}

// Threat: tearing the VERIFY to get a free guess. The decrement is the first write; if it fails
// nothing is compared, and a failure of the final commit keeps the decrement.
TEST_F(PinTap, TornVerifyNeverGivesAFreeGuess) {
  select_payment();
  faults->fail_commit_after = 0;
  EXPECT_EQ(sw(kVerifyGood), 0x6581);
  faults->fail_commit_after = -1;
  EXPECT_EQ(stored(kMastercardAid, "ptc"), "03");
  select_payment();
  faults->fail_commit_after = 1;
  EXPECT_EQ(sw(kVerifyGood), 0x6581);
  faults->fail_commit_after = -1;
  EXPECT_EQ(stored(kMastercardAid, "ptc"), "02") << "the decrement stays";
  EXPECT_EQ(stored(kMastercardAid, "pcv"), "") << "and no verification";
}

// The last wrong try torn after its decrement: the exhausted counter alone blocks the application;
// the issuer unblocks with PIN UNBLOCK (try counter) and APPLICATION UNBLOCK scripts.
TEST_F(PinTap, TornLastTryStillBlocks) {
  {
    auto cs = store->open_card(seid);
    cs->commit({{to_hex(kMastercardAid) + "/ptc", SecureBytes{0x01}}});
  }
  reload();
  select_payment();
  faults->fail_commit_after = 1;
  EXPECT_EQ(sw(kVerifyBad), 0x6581);
  faults->fail_commit_after = -1;
  EXPECT_EQ(stored(kMastercardAid, "ptc"), "00");
  EXPECT_EQ(stored(kMastercardAid, "blk"), "00");
  EXPECT_EQ(sw(kSelectPayment), 0x6283);
  EXPECT_EQ(sw(kVerifyGood), 0x6983);
}

TEST(PersonalCodeOff, VerifyWithoutAPersonalCodeIsRefused) {
  struct F : PaymentFixture {
  } f;
  f.select_payment();
  EXPECT_EQ(f.sw(kVerifyGood), 0x6985);
  EXPECT_EQ(f.sw("0020008108241234FFFFFFFFFF"), 0x6A86);
}

}  // namespace
}  // namespace sesame::applets::emv::testing
