// PinObject: try counter, blocking, 63Cx, change, reset, and the anti-tearing order (the
// decremented counter is durable before the comparison).
#include "card/pin.h"

#include <gtest/gtest.h>

#include "context_fixture.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::card {
namespace {

using testing::ContextFixture;

std::uint16_t sw_of(const std::function<void()>& f) {
  try {
    f();
    return 0x9000;
  } catch (const iso7816::SwError& e) {
    return e.sw();
  }
}

Bytes b(const char* s) { return Bytes(s, s + std::char_traits<char>::length(s)); }

class PinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pin.set(ctx.persistent(), b("1234"));
    f.journal.commit();
  }
  ContextFixture f;
  AppletContext ctx = f.ctx();
  PinObject pin{"pin", {4, 8, true, 3}};
};

TEST_F(PinTest, CorrectPinValidatesTheSession) {
  EXPECT_FALSE(pin.validated(ctx));
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("1234")); }), 0x9000);
  EXPECT_TRUE(pin.validated(ctx));
  EXPECT_EQ(pin.tries_left(ctx.persistent()), 3);
  SessionState other;
  AppletContext ctx2 = f.ctx(other);
  EXPECT_FALSE(pin.validated(ctx2)) << "validation is per session (channel)";
}

TEST_F(PinTest, WrongPinCountsDownThenBlocks) {
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("0000")); }), 0x63C2);
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("00000")); }), 0x63C1);
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("9999")); }), 0x63C0);
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("1234")); }), 0x6983);
  EXPECT_EQ(pin.status(ctx), 0x6983);
  EXPECT_TRUE(pin.blocked(ctx.persistent()));
  EXPECT_EQ(f.stored("pin.tries")->reveal(), Bytes{0}) << "each try was durable at once";
}

TEST_F(PinTest, SuccessResetsTheCounterAndFailureClearsValidation) {
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("1235")); }), 0x63C2);
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("1234")); }), 0x9000);
  EXPECT_EQ(pin.tries_left(ctx.persistent()), 3);
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("12345")); }), 0x63C2);
  EXPECT_FALSE(pin.validated(ctx));
}

TEST_F(PinTest, StatusNeverCounts) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(pin.status(ctx), 0x63C3);
  pin.verify(ctx, b("1234"));
  EXPECT_EQ(pin.status(ctx), 0x9000);
  EXPECT_EQ(pin.tries_left(ctx.persistent()), 3);
}

TEST_F(PinTest, NonConformingCandidateIs6A80WithoutCounting) {
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("123")); }), 0x6A80);
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("123456789")); }), 0x6A80);
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("12a4")); }), 0x6A80);
  EXPECT_EQ(pin.tries_left(ctx.persistent()), 3);
}

TEST_F(PinTest, UnsetPinIs6984) {
  PinObject other{"other", {}};
  EXPECT_EQ(sw_of([&] { other.verify(ctx, b("1234")); }), 0x6984);
  EXPECT_EQ(other.status(ctx), 0x6984);
}

TEST_F(PinTest, PrefixOrPaddedFormsDoNotMatch) {
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("12340")); }), 0x63C2);
  Bytes padded = b("1234");
  padded.push_back(0xFF);
  PinObject any{"pin", {4, 8, false, 3}};
  EXPECT_EQ(sw_of([&] { any.verify(ctx, padded); }), 0x63C1) << "the stored form carries the length";
}

TEST_F(PinTest, ChangeChecksTheNewValueFirstThenTheOld) {
  EXPECT_EQ(sw_of([&] { pin.change(ctx, b("1234"), b("12")); }), 0x6A80);
  EXPECT_EQ(pin.tries_left(ctx.persistent()), 3);
  EXPECT_EQ(sw_of([&] { pin.change(ctx, b("0000"), b("5678")); }), 0x63C2);
  EXPECT_EQ(sw_of([&] { pin.change(ctx, b("1234"), b("5678")); }), 0x9000);
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("1234")); }), 0x63C2);
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("5678")); }), 0x9000);
}

TEST_F(PinTest, ResetUnblocksAndClearsValidation) {
  pin.verify(ctx, b("1234"));
  for (int i = 0; i < 3; ++i) (void)sw_of([&] { pin.verify(ctx, b("0000")); });
  EXPECT_TRUE(pin.blocked(ctx.persistent()));
  EXPECT_EQ(sw_of([&] { pin.reset(ctx, ByteView(b("12"))); }), 0x6A80);
  pin.reset(ctx, ByteView(b("4321")));
  EXPECT_FALSE(pin.validated(ctx));
  EXPECT_EQ(pin.tries_left(ctx.persistent()), 3);
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("4321")); }), 0x9000);
  for (int i = 0; i < 3; ++i) (void)sw_of([&] { pin.verify(ctx, b("0000")); });
  pin.reset(ctx, std::nullopt);
  EXPECT_EQ(sw_of([&] { pin.verify(ctx, b("4321")); }), 0x9000);
}

// Anti-tearing: when the decrement cannot be made durable, the comparison must not happen — a
// wrong PIN must not answer 63Cx and a right one must not validate — and no try is lost.
TEST_F(PinTest, FailedDecrementStopsBeforeTheComparison) {
  for (const char* candidate : {"0000", "1234"}) {
    SCOPED_TRACE(candidate);
    f.faults->fail_commit_after = 0;
    try {
      pin.verify(ctx, b(candidate));
      ADD_FAILURE() << "verify returned";
    } catch (const iso7816::SwError& e) {
      ADD_FAILURE() << "comparison happened: " << std::hex << e.sw();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::io);
    }
    EXPECT_FALSE(pin.validated(ctx));
    EXPECT_EQ(f.stored("pin.tries")->reveal(), Bytes{3});
    EXPECT_EQ(pin.tries_left(ctx.persistent()), 3);
  }
}

TEST_F(PinTest, FailedCounterResetAfterSuccessKeepsTheDecrement) {
  f.faults->fail_commit_after = 1;  // the decrement succeeds, the reset to the limit fails
  EXPECT_THROW(pin.verify(ctx, b("1234")), Error);
  EXPECT_FALSE(pin.validated(ctx));
  EXPECT_EQ(f.stored("pin.tries")->reveal(), Bytes{2});
}

TEST(PinPolicyTest, InconsistentPoliciesAreRefused) {
  EXPECT_THROW(PinObject("p", {0, 8, true, 3}), Error);
  EXPECT_THROW(PinObject("p", {6, 4, true, 3}), Error);
  EXPECT_THROW(PinObject("p", {4, 17, true, 3}), Error);
  EXPECT_THROW(PinObject("p", {4, 8, true, 0}), Error);
  EXPECT_THROW(PinObject("p", {4, 8, true, 16}), Error);
}

}  // namespace
}  // namespace sesame::card
