// Threat: a torn transaction (a store write failing at any point) must never let the ATC go back
// nor the card produce two cryptograms for one ATC. The ATC is written with put_now in GET
// PROCESSING OPTIONS, before any cryptogram of the transaction exists (docs/EMV.md, D2).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "emv_payment_fixture.h"

namespace sesame::applets::emv::testing {
namespace {

class EmvAtc : public ::testing::Test, public PaymentFixture {};

TEST_F(EmvAtc, AtcWriteFailureGivesNoCryptogramAndTheAtcStays) {
  select_payment();
  faults->fail_commit_after = 0;  // the ATC's put_now
  EXPECT_EQ(sw(kGpo), 0x6581);
  faults->fail_commit_after = -1;
  EXPECT_EQ(stored(kMastercardAid, "atc"), "0000");
  select_payment();  // the card restarted after the memory failure
  EXPECT_EQ(sw(gen_ac("80", cdol1(100))), 0x6985) << "no transaction survives the failure";
  EXPECT_EQ(atc(), 0);
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(atc(), 1);
  EXPECT_EQ(stored(kMastercardAid, "atc"), "0001") << "durable before the cryptogram";
  EXPECT_EQ(first_ac("80", cdol1(100)).atc, 1);
}

// Every write point of a whole transaction fails in turn, in the same card and after a reload:
// online (GPO's ATC, GENERATE AC 1 = ARQC writes nothing, GENERATE AC 2's commit of the counters,
// last online ATC and log) and offline (GPO's ATC, GENERATE AC 1 = TC's commit). Cryptograms that
// reach the terminal all have distinct ATCs, and the ATC never decreases, in memory or in the store.
TEST_F(EmvAtc, FaultAtEveryWritePointNeverRepeatsAnAtc) {
  std::set<std::uint16_t> first_atcs;
  std::uint16_t last_atc = 0;
  int expected_injected = 0;
  for (const bool online : {true, false}) {
    for (int k = 0; k <= 2; ++k) {
      SCOPED_TRACE(std::string(online ? "online" : "offline") + " write point " + std::to_string(k));
      select_payment();
      faults->fail_commit_after = k;
      bool torn = false;
      auto step = [&](const std::string& apdu) {
        if (torn) return iso7816::ResponseApdu{{}, 0x6581};
        auto r = tx(apdu);
        if (r.sw == 0x6581) torn = true;
        return r;
      };
      const auto gpo = step(kGpo);
      const auto ac1 = step(gen_ac(online ? "80" : "40", cdol1(100)));
      std::uint16_t delivered_tc_atc = 0;
      if (ac1.sw == 0x9000) {
        const auto r = parse_ac(ac1.data);
        EXPECT_EQ(r.cid, online ? 0x80 : 0x40);
        EXPECT_TRUE(first_atcs.insert(r.atc).second) << "a second cryptogram for ATC " << r.atc;
        if (online) {
          const auto sk = session_key(r.atc);
          const std::string issuer_data = to_hex(crypto::emv::arpc_method1(sk.view(), r.ac, from_hex("3030"))) + "3030";
          const auto ac2 = step(gen_ac("40", issuer_data + "3030" + "0000000000" + "11223344"));
          if (ac2.sw == 0x9000) delivered_tc_atc = parse_ac(ac2.data).atc;
        } else {
          delivered_tc_atc = r.atc;
        }
      }
      faults->fail_commit_after = -1;
      if (torn) ++expected_injected;
      EXPECT_EQ(torn, k < 2) << "each flow has exactly two write points";
      EXPECT_TRUE(torn || gpo.sw == 0x9000);
      // After a tear the ISD is selected; after completion the transaction is over: no replay.
      EXPECT_EQ(sw(gen_ac("80", cdol1(100))), torn ? 0x6D00 : 0x6985);
      reload();
      select_payment();
      const auto now = atc();
      EXPECT_GE(now, last_atc);
      EXPECT_EQ(stored(kMastercardAid, "atc"), to_hex(Bytes{static_cast<std::uint8_t>(now >> 8), static_cast<std::uint8_t>(now)}));
      last_atc = now;
      // The log holds the completed transaction, and only it: the torn one left nothing.
      const auto log1 = tx("00B2015C00");
      if (delivered_tc_atc != 0) {
        ASSERT_EQ(log1.sw, 0x9000);
        EXPECT_EQ(get_u16(log1.data), delivered_tc_atc);
      }
    }
  }
  EXPECT_EQ(faults->injected, expected_injected);
  EXPECT_EQ(first_atcs.size(), 3u) << "online k=1,2 and offline k=2 delivered a first cryptogram";
}

// The ATC's last value ends the application: GPO at FFFF is refused and the ATC stays.
TEST_F(EmvAtc, ExhaustedAtcRefusesTransactions) {
  {
    auto cs = store->open_card(seid);
    cs->commit({{to_hex(kMastercardAid) + "/atc", SecureBytes{0xFF, 0xFE}}});
  }
  reload();
  select_payment();
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(atc(), 0xFFFF);
  EXPECT_EQ(first_ac("80", cdol1(100)).atc, 0xFFFF);
  select_payment();
  EXPECT_EQ(sw(kGpo), 0x6985);
  EXPECT_EQ(atc(), 0xFFFF);
}

}  // namespace
}  // namespace sesame::applets::emv::testing
