// Issuer scripts on the payment applet (docs/EMV.md "Issuer scripts"): APPLICATION BLOCK/UNBLOCK,
// PIN CHANGE/UNBLOCK, PUT DATA, UPDATE RECORD with secure messaging under session keys from the
// ARQC. Threats: replayed script, altered MAC, script outside the ARQC window, script failure limit,
// torn update. The MACs are computed here from the issuer master keys with the shared primitives
// (whose published vectors are in tests/unit/crypto/emv_script_test.cpp).
#include "crypto/emv_script.h"

#include <gtest/gtest.h>

#include "applets/emv/payment_records.h"
#include "emv_payment_fixture.h"
#include "iso7816/emv_script.h"

namespace sesame::applets::emv::testing {
namespace {

std::string cdol2(const Bytes& arqc, std::uint16_t atc, const std::string& arc = "3030") {
  const auto sk = session_key(atc);
  return to_hex(crypto::emv::arpc_method1(sk.view(), arqc, from_hex(arc))) + arc + arc + "0000000000" +
         "11223344";
}

class EmvScript : public ::testing::Test, public PaymentFixture {
 protected:
  AcResponse arqc;

  // SELECT, GPO, GENERATE AC 1 asking for an ARQC.
  void online_transaction(std::uint16_t select_sw = 0x9000) {
    ASSERT_EQ(sw(kSelectPayment), select_sw);
    ASSERT_EQ(sw(kGpo), 0x9000);
    arqc = first_ac("80", cdol1(100));
    ASSERT_EQ(arqc.cid, 0x80);
  }
  AcResponse second_ac(const std::string& p1 = "40") {
    auto r = tx(gen_ac(p1, cdol2(arqc.ac, arqc.atc)));
    EXPECT_EQ(r.sw, 0x9000);
    return r.sw == 0x9000 ? parse_ac(r.data) : AcResponse{};
  }
  // A script command for the current ARQC (or the one given), as the issuer host makes it.
  Bytes script(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, const Bytes& data = {},
               bool encipher = false, const AcResponse* for_arqc = nullptr) {
    const AcResponse& a = for_arqc ? *for_arqc : arqc;
    const auto card = test_card();
    const auto smi = crypto::emv::derive_icc_master_key_a(from_hex(kImkSmiHex), card.pan, card.psn);
    const auto smc = crypto::emv::derive_icc_master_key_a(from_hex(kImkSmcHex), card.pan, card.psn);
    const auto keys = iso7816::emv::script_session_keys(smi.view(), smc.view(), a.ac);
    return iso7816::emv::make_script_command(cla, ins, p1, p2, data, encipher, keys, a.atc, a.ac).encode();
  }
  std::uint16_t send(const Bytes& apdu) { return sw(to_hex(apdu)); }
  // DF21's value: blocked, consecutive script failures, their limit, CVR byte 6.
  Bytes state() {
    const Bytes r = from_hex(data("80CADF2100"));
    EXPECT_EQ(r.size(), 7u);
    return r.size() == 7 ? Bytes(r.begin() + 3, r.end()) : Bytes(4, 0xEE);
  }
};

TEST_F(EmvScript, BlockThenUnblockWithinTheArqcWindow) {
  online_transaction();
  EXPECT_EQ(send(script(0x84, 0x1E, 0, 0)), 0x9000) << "APPLICATION BLOCK (tag 71, before GENERATE AC 2)";
  const auto ac2 = second_ac();
  EXPECT_EQ(ac2.cid, 0x00) << "a blocked application declines even an approved online transaction";
  EXPECT_EQ(ac2.iad[7], 0x10 | kCvrAppBlocked) << "CVR byte 6: one script command, application blocked";

  online_transaction(0x6283);  // SELECT warns: the application is blocked
  EXPECT_EQ(arqc.iad[7], 0x10 | kCvrAppBlocked) << "the last online transaction's script results";
  EXPECT_EQ(send(script(0x84, 0x18, 0, 0)), 0x9000) << "APPLICATION UNBLOCK";
  EXPECT_EQ(second_ac().cid, 0x40);
  EXPECT_EQ(sw(kSelectPayment), 0x9000);
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(first_ac("40", cdol1(100)).cid, 0x40) << "offline approval works again";
}

TEST_F(EmvScript, BlockedApplicationDeclinesOfflineAndSurvivesRestart) {
  online_transaction();
  ASSERT_EQ(send(script(0x84, 0x1E, 0, 0)), 0x9000);
  reload();
  EXPECT_EQ(sw(kSelectPayment), 0x6283);
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(first_ac("40", cdol1(100)).cid, 0x00);
  EXPECT_EQ(state()[0], 1);
}

TEST_F(EmvScript, ScriptsAfterTheSecondGenerateAcCountForTheNextTransaction) {
  online_transaction();
  EXPECT_EQ(second_ac().cid, 0x40);
  EXPECT_EQ(send(script(0x84, 0x24, 0, 0)), 0x9000) << "tag 72: after the final GENERATE AC";
  EXPECT_EQ(send(script(0x04, 0xDA, 0x9F, 0x14, {0x01})), 0x9000);
  online_transaction();
  EXPECT_EQ(arqc.iad[7], 0x20) << "two script commands, none failed";
}

// Threat: script outside the ARQC window.
TEST_F(EmvScript, OutsideTheArqcWindowIsRefused) {
  select_payment();
  EXPECT_EQ(sw("841E0000080000000000000000"), 0x6985) << "before GPO";
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(sw("841E0000080000000000000000"), 0x6985) << "before GENERATE AC";
  const auto tc = first_ac("40", cdol1(100));
  ASSERT_EQ(tc.cid, 0x40);
  EXPECT_EQ(send(script(0x84, 0x1E, 0, 0, {}, false, &tc)), 0x6985) << "after an offline TC: no ARQC";
  online_transaction();
  const Bytes block = script(0x84, 0x1E, 0, 0);
  select_payment();
  EXPECT_EQ(send(block), 0x6985) << "a new SELECT closes the window";
  EXPECT_EQ(state()[0], 0);
  EXPECT_EQ(state()[1], 0) << "refusals outside the window are not MAC failures";
}

// Threats: replayed script, altered MAC, a script of an earlier transaction.
TEST_F(EmvScript, ReplayedOrAlteredScriptsAreRefusedAndCounted) {
  online_transaction();
  const Bytes put = script(0x04, 0xDA, 0x9F, 0x14, {0x01});
  EXPECT_EQ(send(put), 0x9000);
  EXPECT_EQ(send(put), 0x6988) << "replayed in the same window";
  EXPECT_EQ(state()[1], 1);
  Bytes altered = script(0x04, 0xDA, 0x9F, 0x14, {0x02});
  altered.back() ^= 0x01;
  EXPECT_EQ(send(altered), 0x6988) << "altered MAC";
  Bytes changed = script(0x04, 0xDA, 0x9F, 0x14, {0x02});
  changed[5] = 0x00;  // the value, not the MAC
  EXPECT_EQ(send(changed), 0x6988) << "altered data";
  EXPECT_EQ(state()[1], 3);
  EXPECT_EQ(data("80CA9F1400"), "9F140101") << "only the genuine command took effect";
  const auto old = arqc;
  online_transaction();
  EXPECT_EQ(arqc.iad[7] & 0xF8, 0x40 | kCvrScriptFailed) << "four commands, failures";
  EXPECT_EQ(send(script(0x04, 0xDA, 0x9F, 0x14, {0x02}, false, &old)), 0x6983) << "limit 3 reached";
}

// Threat: script counter exhaustion. Consecutive failures reach the limit; then even a genuine
// script is refused, for good (the count is durable).
TEST_F(EmvScript, FailureLimitBlocksScripts) {
  online_transaction();
  for (int i = 0; i < 3; ++i) {
    Bytes bad = script(0x84, 0x1E, 0, 0);
    bad[5 + i] ^= 0x80;
    EXPECT_EQ(send(bad), 0x6988);
  }
  EXPECT_EQ(send(script(0x84, 0x1E, 0, 0)), 0x6983);
  reload();
  online_transaction();
  EXPECT_EQ(arqc.iad[7] & kCvrScriptsBlocked, kCvrScriptsBlocked);
  EXPECT_EQ(send(script(0x84, 0x1E, 0, 0)), 0x6983);
  EXPECT_EQ(state()[0], 0) << "never blocked the application";
}

TEST_F(EmvScript, GenuineScriptResetsTheConsecutiveFailures) {
  online_transaction();
  Bytes bad = script(0x84, 0x18, 0, 0);
  bad.back() ^= 1;
  EXPECT_EQ(send(bad), 0x6988);
  EXPECT_EQ(send(bad), 0x6988);
  EXPECT_EQ(send(script(0x84, 0x18, 0, 0)), 0x9000);
  EXPECT_EQ(state()[1], 0);
}

TEST_F(EmvScript, PinChangeAndUnblock) {
  {
    auto cs = store->open_card(seid);
    cs->commit({{to_hex(kMastercardAid) + "/ptc", SecureBytes{0x00}}});
  }
  reload();
  online_transaction();
  EXPECT_EQ(data("80CA9F1700"), "9F170100");
  const auto block = crypto::emv::pin_block_format2("987654");
  EXPECT_EQ(send(script(0x84, 0x24, 0x00, 0x02, block.reveal(), true)), 0x9000);
  EXPECT_EQ(stored(kMastercardAid, "pin"), to_hex(block.view()));
  EXPECT_EQ(data("80CA9F1700"), "9F170103") << "the try counter is back at its limit";
  EXPECT_EQ(send(script(0x84, 0x24, 0x00, 0x02, from_hex("1122334455667788"), true)), 0x6A80)
      << "not a PIN block";
  EXPECT_EQ(send(script(0x84, 0x24, 0x00, 0x02, block.reveal(), false)), 0x6988) << "must be enciphered";
  EXPECT_EQ(sw("8424000108" + std::string(16, '0')), 0x6A86) << "change with the current PIN: not supported";
  EXPECT_EQ(stored(kMastercardAid, "pin"), to_hex(block.view()));
}

TEST_F(EmvScript, PutDataChangesLimitsDurably) {
  online_transaction();
  EXPECT_EQ(send(script(0x04, 0xDA, 0x9F, 0x23, {0x09})), 0x9000);
  EXPECT_EQ(send(script(0x04, 0xDA, 0x9F, 0x14, {0x0A})), 0x6A80) << "lower above upper";
  EXPECT_EQ(send(script(0x84, 0xDA, 0xDF, 0x99, {0x00})), 0x6A88) << "unknown object";
  EXPECT_EQ(send(script(0x84, 0xDA, 0xDF, 0x03, from_hex("000000020000"))), 0x9000);
  reload();
  select_payment();
  EXPECT_EQ(data("80CA9F2300"), "9F230109");
  online_transaction();
  EXPECT_EQ(arqc.iad[7], 0x40 | kCvrScriptFailed) << "four commands, two failed";
}

TEST_F(EmvScript, PutDataResetsTheOfflineCounters) {
  select_payment();
  ASSERT_EQ(sw(kGpo), 0x9000);
  ASSERT_EQ(first_ac("40", cdol1(3000)).cid, 0x40);
  EXPECT_EQ(stored(kMastercardAid, "ocnt"), "01");
  online_transaction();
  EXPECT_EQ(send(script(0x84, 0xDA, 0xDF, 0x04, {0x00})), 0x9000);
  EXPECT_EQ(stored(kMastercardAid, "ocnt"), "00");
  EXPECT_EQ(stored(kMastercardAid, "oamt"), "0000000000000000");
}

TEST_F(EmvScript, UpdateRecord) {
  online_transaction();
  const Bytes rec = from_hex("70085F20054E45572F41");
  EXPECT_EQ(send(script(0x04, 0xDC, 0x01, 0x0C, rec)), 0x9000);
  EXPECT_EQ(send(script(0x04, 0xDC, 0x01, 0x14, rec)), 0x6985) << "SFI 2: signed data";
  EXPECT_EQ(send(script(0x04, 0xDC, 0x05, 0x0C, rec)), 0x6A83);
  EXPECT_EQ(send(script(0x04, 0xDC, 0x01, 0x0C, from_hex("6F00"))), 0x6A80);
  reload();
  select_payment();
  EXPECT_EQ(data("00B2010C00"), to_hex(rec));
}

// Threat: torn update. The write of the changed data fails: the old value stays, and the failure
// count written before the MAC check stays too (no free guess).
TEST_F(EmvScript, TornUpdateKeepsTheOldValue) {
  online_transaction();
  const Bytes put = script(0x04, 0xDA, 0x9F, 0x14, {0x01});
  faults->fail_commit_after = 1;  // 0: the failure count's put_now; 1: the command's commit
  EXPECT_EQ(send(put), 0x6581);
  faults->fail_commit_after = -1;
  reload();
  select_payment();
  EXPECT_EQ(data("80CA9F1400"), "9F140102");
  EXPECT_EQ(state()[1], 1);
}

TEST_F(EmvScript, CountWriteFailureRefusesTheScript) {
  online_transaction();
  const Bytes put = script(0x04, 0xDA, 0x9F, 0x14, {0x01});
  faults->fail_commit_after = 0;  // the failure count cannot be made durable: nothing happens
  EXPECT_EQ(send(put), 0x6581);
  faults->fail_commit_after = -1;
  reload();
  select_payment();
  EXPECT_EQ(data("80CA9F1400"), "9F140102");
  EXPECT_EQ(state()[1], 0);
}

}  // namespace
}  // namespace sesame::applets::emv::testing
