// Issuer scripts end to end: the issuer host generates them (host/emv/issuer_scripts.h), the POS
// kernel delivers templates 71 before and 72 after the final GENERATE AC (Book 3 §10.10) and
// reports the Issuer Script Results 9F5B, and the hosted card applies them.
#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "emv_kernel_fixture.h"
#include "host/emv/transaction_log.h"

namespace sesame::host::emv::testing {
namespace {

const SecureBytes kImkSmi(from_hex("FEDCBA98765432100123456789ABCDEF"));
const SecureBytes kImkSmc(from_hex("11111111111111112222222222222222"));

ProfileOptions script_profile() {
  ProfileOptions o;
  o.issuer_master_key_smi = kImkSmi;
  o.issuer_master_key_smc = kImkSmc;
  return o;
}

class EmvIssuerScripts : public ::testing::Test, public KernelFixture {
 public:
  EmvIssuerScripts() : KernelFixture(script_profile()) {
    txn.amount = 20000;
  }  // above the floor limit: online

  // The issuer approves and adds scripts made for the request's ARQC.
  OnlineAuthoriser issuer_with(std::vector<std::pair<std::uint8_t, std::vector<ScriptCommand>>> scripts,
                               bool corrupt_first_mac = false) {
    auto host = std::make_shared<IssuerHost>(issuer_master_key(), 1);
    auto sh = std::make_shared<IssuerScriptHost>(kImkSmi, kImkSmc);
    return [=](const AuthorisationRequest& r) {
      auto resp = host->authorise(r);
      std::uint8_t n = 0;
      for (const auto& [tag, cmds] : scripts) {
        Bytes t = sh->script(tag, Bytes{0, 0, 0, ++n}, r, cmds);
        if (corrupt_first_mac && n == 1) t.back() ^= 0x01;  // the last MAC byte of its last command
        append(resp.issuer_scripts, t);
      }
      return std::optional<AuthorisationResponse>(resp);
    };
  }
  Bytes get_data(const std::string& apdu) {
    InProcessReader reader(cards, seid);
    EXPECT_TRUE(reader.transmit(iso7816::CommandApdu::parse(from_hex("00A4040007A000000004101000"))).ok());
    return reader.transmit(iso7816::CommandApdu::parse(from_hex(apdu))).data;
  }
};

TEST_F(EmvIssuerScripts, BlockBeforeTheFinalAcThenUnblockFromAMaintenanceTerminal) {
  auto o = run(issuer_with({{0x71, {ScriptCommand::parse("block")}}}));
  EXPECT_TRUE(o.online);
  EXPECT_EQ(o.result, Outcome::Result::declined) << "blocked before the final GENERATE AC";
  EXPECT_EQ(to_hex(o.issuer_script_results), "2000000001");
  EXPECT_EQ(o.tvr[4] & 0x30, 0);

  o = run(issuer());
  EXPECT_EQ(o.result, Outcome::Result::end_application);
  EXPECT_TRUE(o.application_blocked);
  EXPECT_EQ(o.reason, "the payment application is blocked");

  terminal.select_blocked = true;
  o = run(issuer_with({{0x71, {ScriptCommand::parse("unblock")}}}));
  EXPECT_TRUE(o.application_blocked);
  EXPECT_EQ(o.result, Outcome::Result::approved) << o.reason;
  terminal.select_blocked = false;
  EXPECT_EQ(run(issuer()).result, Outcome::Result::approved);
}

TEST_F(EmvIssuerScripts, ScriptsAfterTheFinalAcUpdateTheCard) {
  const auto o =
      run(issuer_with({{0x72,
                        {ScriptCommand::parse("put-data:9F14=01"), ScriptCommand::parse("pin-change:2468"),
                         ScriptCommand::parse("update-record:1.1=70085F20054E45572F41")}}}));
  EXPECT_EQ(o.result, Outcome::Result::approved) << o.reason;
  EXPECT_EQ(to_hex(o.issuer_script_results), "2000000001");
  EXPECT_EQ(o.script_log.size(), 3u);
  EXPECT_EQ(to_hex(get_data("80CA9F1400")), "9F140101");
  EXPECT_EQ(to_hex(get_data("00B2010C00")), "70085F20054E45572F41");
  // CVR byte 6 of the next transaction's first GENERATE AC: three script commands, none failed.
  EXPECT_EQ(to_hex(get_data("80CADF2100")), "DF210400000330");
}

// An altered MAC: the card refuses (6988), the kernel stops that script, sets the TVR bit and
// reports the failing command's sequence number; the next script still runs.
TEST_F(EmvIssuerScripts, AlteredScriptFailsAndIsReported) {
  const auto o = run(issuer_with(
      {{0x71, {ScriptCommand::parse("reset-counters")}}, {0x71, {ScriptCommand::parse("put-data:9F23=04")}}},
      /*corrupt_first_mac=*/true));
  EXPECT_EQ(o.result, Outcome::Result::approved) << o.reason;
  EXPECT_EQ(to_hex(o.issuer_script_results),
            "1100000001"
            "2000000002");
  EXPECT_EQ(o.tvr[4] & 0x20, 0x20) << "script processing failed before the final GENERATE AC";
  EXPECT_EQ(to_hex(get_data("80CA9F2300")), "9F230104");
  EXPECT_EQ(to_hex(get_data("80CADF2100")), "DF210400000328") << "2 commands, a failure; the count reset";
}

// The transaction log as the CLI reads it: most recent first, split by the card's 9F4F format.
TEST_F(EmvIssuerScripts, TransactionLogReadsTheCompletedTransactions) {
  ASSERT_EQ(run(issuer()).result, Outcome::Result::approved);
  txn.amount = 100;
  ASSERT_EQ(run().result, Outcome::Result::approved);
  InProcessReader reader(cards, seid);
  const auto log = read_transaction_log(reader, from_hex("A0000000041010"));
  ASSERT_EQ(log.size(), 2u);
  ASSERT_EQ(log[0].fields.size(), 7u);
  EXPECT_EQ(log[0].fields[0].first, 0x9F36u);
  EXPECT_EQ(to_hex(log[0].fields[0].second), "0002");
  EXPECT_EQ(to_hex(log[0].fields[1].second), "40");
  EXPECT_EQ(to_hex(log[0].fields[2].second), "000000000100");
  EXPECT_EQ(to_hex(log[1].fields[2].second), "000000020000");
  EXPECT_EQ(log[1].fields[6].first, 0xDF01u);
  // CVR: ARQC then TC; CDA in the second GENERATE AC and issuer authentication performed.
  EXPECT_EQ(to_hex(log[1].fields[6].second).substr(0, 4), "6030");
}

TEST(EmvIssuerScriptCommand, Parse) {
  EXPECT_EQ(ScriptCommand::parse("block").kind, ScriptCommand::Kind::application_block);
  EXPECT_EQ(ScriptCommand::parse("pin-unblock").kind, ScriptCommand::Kind::pin_unblock);
  const auto p = ScriptCommand::parse("put-data:DF03=000000020000");
  EXPECT_EQ(p.tag, 0xDF03u);
  EXPECT_EQ(to_hex(p.value), "000000020000");
  const auto u = ScriptCommand::parse("update-record:1.2=7000");
  EXPECT_EQ(u.sfi, 1);
  EXPECT_EQ(u.record, 2);
  for (const char* bad : {"blok", "block:1", "pin-change:12", "put-data:9F14", "put-data:9F=01",
                          "update-record:1=70", "update-record:0.1=70", "put-data:9F14=XY"}) {
    SCOPED_TRACE(bad);
    test::expect_errc(Errc::invalid_argument, [&] { (void)ScriptCommand::parse(bad); });
  }
}

}  // namespace
}  // namespace sesame::host::emv::testing
