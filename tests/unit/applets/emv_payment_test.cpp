// The EMV payment applet and the PPSE through CardService: selection, GPO, records, GET DATA,
// GENERATE AC with card risk management, CDA, issuer authentication, the log, wrong commands.
#include <gtest/gtest.h>

#include "crypto/emv_certificates.h"
#include "crypto/hash.h"
#include "applets/emv/payment_records.h"
#include "emv_payment_fixture.h"

namespace sesame::applets::emv::testing {
namespace {

class EmvPayment : public ::testing::Test, public PaymentFixture {};

TEST_F(EmvPayment, PpseListsThePaymentApplication) {
  const auto r = tx("00A404000E325041592E5359532E444446303100");
  ASSERT_EQ(r.sw, 0x9000);
  const Tlv fci = parse_one(r.data);
  ASSERT_EQ(fci.tag(), 0x6Fu);
  EXPECT_EQ(to_hex(fci.require(0x84).value()), to_hex(kPpseAid));
  const Tlv* entry = fci.find_path({0xA5, 0xBF0C, 0x61});
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(to_hex(entry->require(0x4F).value()), "A0000000041010");
  EXPECT_EQ(to_hex(entry->require(0x87).value()), "01");
  EXPECT_EQ(sw("80A80000028300"), 0x6D00) << "the PPSE has no other command";
}

TEST_F(EmvPayment, PpseFromInstallParameters) {
  service->delete_applet(seid, kPpseAid);
  service->install_applet(seid, kPpseModule, kPpseAid,
                          as_bytes(R"({"applications":[{"aid":"A0000000041010","label":"MC","priority":2},)"
                                   R"({"aid":"A0000000043060","label":"MAESTRO","priority":1}]})"));
  const Tlv fci = parse_one(tx("00A404000E325041592E5359532E444446303100").data);
  const auto entries = fci.find_path({0xA5, 0xBF0C})->find_all(0x61);
  // Only the ACTIVATED payment applications of the contactless registry: Maestro is not installed
  // (emv_contactless_test.cpp covers the registry).
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(to_hex(entries[0]->require(0x4F).value()), "A0000000041010");
  EXPECT_THROW(service->install_applet(seid, kPpseModule, from_hex("325041592E5359532E44444630"), as_bytes("{\"applications\":3}")), Error);
}

TEST_F(EmvPayment, SelectAnswersTheFci) {
  const auto r = tx(kSelectPayment);
  ASSERT_EQ(r.sw, 0x9000);
  const Tlv fci = parse_one(r.data);
  EXPECT_EQ(to_hex(fci.require(0x84).value()), "A0000000041010");
  EXPECT_EQ(std::string(fci.find_path({0xA5, 0x50})->value().begin(), fci.find_path({0xA5, 0x50})->value().end()), "SESAME PAY");
  EXPECT_EQ(to_hex(fci.find_deep(0x9F38)->value()), to_hex(iso7816::emv::kPdol));
  EXPECT_EQ(to_hex(fci.find_deep(0x9F4D)->value()), "0B0A");
  EXPECT_EQ(to_hex(fci.find_deep(0x5F2D)->value()), "656E");
}

TEST_F(EmvPayment, GpoAnswersAipAndAflAndIncrementsTheAtc) {
  select_payment();
  EXPECT_EQ(atc(), 0);
  const auto r = tx(kGpo);
  ASSERT_EQ(r.sw, 0x9000);
  const Tlv t = parse_one(r.data);
  EXPECT_EQ(to_hex(t.require(0x82).value()), "2D80");
  EXPECT_EQ(to_hex(t.require(0x94).value()), "0801010010010401");
  EXPECT_EQ(atc(), 1);
  EXPECT_EQ(sw(kGpo), 0x6985) << "one GPO per transaction";
  select_payment();
  EXPECT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(atc(), 2);
}

TEST_F(EmvPayment, GpoRefusesWrongData) {
  select_payment();
  EXPECT_EQ(sw("80A800000483020250" "00"), 0x6700) << "PDOL data of the wrong length";
  EXPECT_EQ(sw("80A80000078405025009782200"), 0x6A80) << "not tag 83";
  EXPECT_EQ(sw("80A80000088306025009782200" "00"), 0x6700) << "83 length disagrees with the data";
  EXPECT_EQ(sw("80A80100078305025009782200"), 0x6A86);
  EXPECT_EQ(sw("00A80000078305025009782200"), 0x6E00);
  EXPECT_EQ(atc(), 0) << "refused GPOs do not count";
}

TEST_F(EmvPayment, RecordsAreAtMost256BytesAndCarryTheCertificates) {
  select_payment();
  for (int sfi : {1, 2})
    for (int n = 1; n <= (sfi == 1 ? 1 : 4); ++n) {
      char cmd[32];
      std::snprintf(cmd, sizeof cmd, "00B2%02X%02X00", n, (sfi << 3) | 4);
      const auto r = tx(cmd);
      ASSERT_EQ(r.sw, 0x9000) << cmd;
      EXPECT_LE(r.data.size(), 256u);
      EXPECT_EQ(r.data[0], 0x70);
    }
  EXPECT_NE(parse_one(tx("00B2031400").data).find(0x90), nullptr);
  EXPECT_NE(parse_one(tx("00B2041400").data).find(0x9F46), nullptr);
  EXPECT_EQ(to_hex(parse_one(tx("00B2011400").data).value()), to_hex(iso7816::emv::oda_record_value(test_card())));
  EXPECT_EQ(sw("00B2051400"), 0x6A83);
  EXPECT_EQ(sw("00B2011000"), 0x6A86) << "P2 must say 'record number in P1'";
  EXPECT_EQ(sw("00B2005C00"), 0x6A86);
  EXPECT_EQ(sw("00B2015C00"), 0x6A83) << "empty log";
}

TEST_F(EmvPayment, GetData) {
  select_payment();
  EXPECT_EQ(data("80CA9F3600"), "9F36020000");
  EXPECT_EQ(data("80CA9F1300"), "9F13020000");
  EXPECT_EQ(data("80CA9F1700"), "9F170103");
  EXPECT_EQ(data("80CA9F4F00"), "9F4F13" + to_hex(kLogFormat));
  EXPECT_EQ(sw("80CA5A0000"), 0x6A88) << "the PAN is not a GET DATA object";
  EXPECT_EQ(sw("00CA9F3600"), 0x6E00);
}

TEST_F(EmvPayment, GenerateAcBeforeGpoIs6985) {
  select_payment();
  EXPECT_EQ(sw(gen_ac("40", cdol1(100))), 0x6985);
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(sw(gen_ac("C0", cdol1(100))), 0x6A86) << "reserved cryptogram type";
  EXPECT_EQ(sw(gen_ac("41", cdol1(100))), 0x6A86);
  EXPECT_EQ(sw(gen_ac("40", cdol1(100) + "00")), 0x6700) << "CDOL1 data of the wrong length";
  ASSERT_EQ(first_ac("40", cdol1(100)).cid, 0x40);
  EXPECT_EQ(sw(gen_ac("40", cdol1(100))), 0x6985) << "the transaction is over: no second cryptogram";
  EXPECT_EQ(sw(gen_ac("40", "00000000000000000000000000000000000000")), 0x6985);
}

TEST_F(EmvPayment, OfflineTcWithTheRightCryptogramAndALogEntry) {
  select_payment();
  ASSERT_EQ(sw(kGpo), 0x9000);
  const auto d = cdol1(1234);
  const auto r = first_ac("40", d);
  EXPECT_EQ(r.cid, 0x40);
  EXPECT_EQ(r.atc, 1);
  ASSERT_EQ(r.iad.size(), 8u);
  EXPECT_EQ(to_hex(r.iad).substr(0, 4), "0110");
  EXPECT_EQ(r.iad[2] & 0x30, 0x10) << "CVR: TC in the first GENERATE AC";
  EXPECT_EQ(to_hex(r.ac), to_hex(expected_ac(1, from_hex(d), r.iad)));
  // The log (SFI 11): ATC, CID, amount, currency, date, type, CVR.
  EXPECT_EQ(data("00B2015C00").substr(0, 30), "000140000000001234097826120700");
}

TEST_F(EmvPayment, WithCdaTheSignatureCoversCryptogramAndTransactionData) {
  select_payment();
  ASSERT_EQ(sw(kGpo), 0x9000);
  const auto d = cdol1(1500, "CAFEBABE");
  const auto r = first_ac("50", d);
  ASSERT_EQ(r.cid, 0x40);
  EXPECT_TRUE(r.ac.empty()) << "with CDA the cryptogram travels inside the signature";
  ASSERT_FALSE(r.sdad.empty());
  const auto dd = crypto::emv::parse_cda_dynamic_data(
      crypto::emv::recover_dynamic_data(test_keys().icc.public_key(), r.sdad, from_hex("CAFEBABE")));
  EXPECT_EQ(dd.cid, 0x40);
  EXPECT_EQ(to_hex(dd.cryptogram), to_hex(expected_ac(1, from_hex(d), r.iad)));
  // Book 2 §6.6.1: PDOL data (country 0250, currency 0978, terminal type 22), CDOL1 data, and the
  // response's data objects except 9F4B.
  const Bytes hash = crypto::sha1(concat({from_hex("0250097822"), from_hex(d), r.tlvs_without_sdad}));
  EXPECT_EQ(to_hex(dd.transaction_data_hash), to_hex(hash));
  EXPECT_THROW(crypto::emv::recover_dynamic_data(test_keys().icc.public_key(), r.sdad, from_hex("CAFEBABF")), Error)
      << "another unpredictable number";
}

TEST_F(EmvPayment, InternalAuthenticateSignsTheDdolData) {
  select_payment();
  EXPECT_EQ(sw("0088000004CAFEBABE00"), 0x6985) << "before GPO";
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(sw("0088000003CAFEBA00"), 0x6700);
  EXPECT_EQ(sw("0088010004CAFEBABE00"), 0x6A86);
  const auto r = tx("0088000004CAFEBABE00");
  ASSERT_EQ(r.sw, 0x9000);
  const Tlv t = parse_one(r.data);
  ASSERT_EQ(t.tag(), 0x80u);
  const Bytes dd = crypto::emv::recover_dynamic_data(test_keys().icc.public_key(), t.value(), from_hex("CAFEBABE"));
  ASSERT_EQ(dd.size(), 9u);
  EXPECT_EQ(dd[0], 8) << "ICC dynamic number length";
  const Bytes dd2 = crypto::emv::recover_dynamic_data(test_keys().icc.public_key(),
                                                     parse_one(tx("0088000004CAFEBABE00").data).value(), from_hex("CAFEBABE"));
  EXPECT_NE(to_hex(dd), to_hex(dd2)) << "a fresh ICC dynamic number each time";
  ASSERT_EQ(first_ac("40", cdol1(100)).cid, 0x40);
  EXPECT_EQ(sw("0088000004CAFEBABE00"), 0x6985) << "after the transaction";
}

TEST_F(EmvPayment, OfflineLimitsForceOnline) {
  // Lower consecutive limit 2: the third offline request goes online.
  for (int i = 0; i < 2; ++i) {
    select_payment();
    ASSERT_EQ(sw(kGpo), 0x9000);
    ASSERT_EQ(first_ac("40", cdol1(100)).cid, 0x40);
  }
  select_payment();
  ASSERT_EQ(sw(kGpo), 0x9000);
  const auto r = first_ac("40", cdol1(100));
  EXPECT_EQ(r.cid, 0x80);
  EXPECT_EQ(r.iad[6] & 0x80, 0x80) << "CVR: lower consecutive offline limit exceeded";
  // Cumulative amount: 200 so far, lower limit 5000.
  select_payment();
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(first_ac("80", cdol1(100)).cid, 0x80) << "an ARQC request is always an ARQC";
}

TEST_F(EmvPayment, CumulativeAmountAndForeignCurrencyForceOnlineAndOfflineOnlyTerminalsDecline) {
  select_payment();
  ASSERT_EQ(sw(kGpo), 0x9000);
  auto r = first_ac("40", cdol1(5001));
  EXPECT_EQ(r.cid, 0x80);
  EXPECT_EQ(r.iad[6] & 0x20, 0x20) << "CVR: lower cumulative amount exceeded";
  select_payment();
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(first_ac("40", cdol1(10, "11223344", "0840")).cid, 0x80) << "another currency";
  // An offline-only terminal (type 23): above the upper limit (8000) the card declines...
  select_payment();
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(first_ac("40", cdol1(8001, "11223344", "0978", "23")).cid, 0x00);
  // ...between the limits it approves offline.
  select_payment();
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(first_ac("40", cdol1(6000, "11223344", "0978", "23")).cid, 0x40);
}

// After an ARQC: a valid ARPC (method 1) with ARC "00" gives a TC and resets the offline counters.
TEST_F(EmvPayment, SecondGenerateAcWithIssuerAuthentication) {
  for (int i = 0; i < 2; ++i) {
    select_payment();
    ASSERT_EQ(sw(kGpo), 0x9000);
    ASSERT_EQ(first_ac("40", cdol1(100)).cid, 0x40);
  }
  select_payment();
  ASSERT_EQ(sw(kGpo), 0x9000);
  const auto arqc = first_ac("80", cdol1(100));
  ASSERT_EQ(arqc.cid, 0x80);
  const auto sk = session_key(arqc.atc);
  const Bytes arc{'0', '0'};
  Bytes ac1 = expected_ac(arqc.atc, from_hex(cdol1(100)), arqc.iad);
  ASSERT_EQ(to_hex(ac1), to_hex(arqc.ac));
  const std::string good_issuer_data = to_hex(crypto::emv::arpc_method1(sk.view(), ac1, arc)) + "3030";
  const auto r = tx(gen_ac("40", good_issuer_data + "3030" + "0000000000" + "11223344"));
  ASSERT_EQ(r.sw, 0x9000);
  const auto tc = parse_ac(r.data);
  EXPECT_EQ(tc.cid, 0x40);
  EXPECT_EQ(tc.iad[3] & 0x10, 0x10) << "CVR: issuer authentication performed";
  EXPECT_EQ(tc.iad[6] & 0x04, 0x00);
  EXPECT_EQ(to_hex(tc.ac), to_hex(expected_ac(arqc.atc, concat({from_hex(cdol1(100)), from_hex(good_issuer_data + "3030000000000011223344")}), tc.iad)));
  EXPECT_EQ(data("80CA9F1300"), "9F1302" + to_hex(Bytes{0, static_cast<std::uint8_t>(arqc.atc)}));
  EXPECT_EQ(sw(gen_ac("40", good_issuer_data + "3030" + "0000000000" + "11223344")), 0x6985) << "no third GENERATE AC";
  // Counters were reset: two more offline TCs.
  for (int i = 0; i < 2; ++i) {
    select_payment();
    ASSERT_EQ(sw(kGpo), 0x9000);
    EXPECT_EQ(first_ac("40", cdol1(100)).cid, 0x40);
  }
  // A wrong ARPC: AAC, CVR "issuer authentication failed".
  select_payment();
  ASSERT_EQ(sw(kGpo), 0x9000);
  const auto arqc2 = first_ac("80", cdol1(100));
  const auto sk2 = session_key(arqc2.atc);
  const std::string forged = to_hex(crypto::emv::arpc_method1(sk2.view(), arqc2.ac, from_hex("3035"))) + "3030";
  const auto aac = parse_ac(tx(gen_ac("40", forged + "3030" + "0000000000" + "11223344")).data);
  EXPECT_EQ(aac.cid, 0x00);
  EXPECT_EQ(aac.iad[6] & 0x04, 0x04);
}

// Book 3 Annex D: the log keeps the last 10 transactions, record 1 the most recent.
TEST_F(EmvPayment, TransactionLogKeepsTheLastTen) {
  for (int i = 1; i <= 12; ++i) {
    select_payment();
    ASSERT_EQ(sw(kGpo), 0x9000);
    ASSERT_EQ(sw(gen_ac("00", cdol1(static_cast<std::uint64_t>(i)))), 0x9000);  // AACs: no offline limits
  }
  select_payment();
  for (int n = 1; n <= 10; ++n) {
    char cmd[16];
    std::snprintf(cmd, sizeof cmd, "00B2%02X5C00", n);
    const auto r = tx(cmd);
    ASSERT_EQ(r.sw, 0x9000);
    ASSERT_EQ(r.data.size(), 2u + 1 + 6 + 2 + 3 + 1 + 6);
    EXPECT_EQ(get_u16(r.data), 13 - n) << "ATC of log record " << n;
    EXPECT_EQ(r.data[2], 0x00) << "CID";
  }
  EXPECT_EQ(sw("00B20B5C00"), 0x6A83);
  reload();
  select_payment();
  EXPECT_EQ(get_u16(tx("00B2015C00").data), 12) << "the log is persistent";
}

TEST_F(EmvPayment, BadProfilesRefuseTheInstallation) {
  const Bytes aid = from_hex("A000000004101001");
  EXPECT_THROW(service->install_applet(seid, kPaymentModule, aid, as_bytes("not json")), Error);
  EXPECT_THROW(service->install_applet(seid, kPaymentModule, aid,
                                       as_bytes(test_profile([](nlohmann::json& j) { j["pan"] = "12AB"; }, false))),
               Error);
  EXPECT_THROW(service->install_applet(seid, kPaymentModule, aid,
                                       as_bytes(test_profile([](nlohmann::json& j) { j.erase("keys"); }, false))),
               Error);
  EXPECT_THROW(service->install_applet(seid, kPaymentModule, aid, as_bytes(test_profile([](nlohmann::json& j) {
                                         j["limits"]["lower_consecutive_offline"] = 9;
                                       }, false))),
               Error);
  service->install_applet(seid, kPaymentModule, aid, as_bytes(test_profile(false)));
  ASSERT_EQ(sw("00A4040008A00000000410100100"), 0x9000);
  ASSERT_EQ(sw(kGpo), 0x9000);
  EXPECT_EQ(to_hex(parse_one(tx("00B2011400").data).value()), to_hex(iso7816::emv::oda_record_value(test_card())));
  EXPECT_EQ(sw("00B2021400"), 0x6A83) << "no certificates without a PKI";
}

}  // namespace
}  // namespace sesame::applets::emv::testing
