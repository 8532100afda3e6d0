// The POS kernel against the hosted payment applet, end to end: selection, GPO, records, CDA,
// terminal risk management and action analysis, GENERATE AC 1 and 2, the issuer host online.
#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "emv_kernel_fixture.h"
#include "util/tlv.h"

namespace sesame::host::emv::testing {
namespace {

class EmvKernel : public ::testing::Test, public KernelFixture {};

bool tvr_bit(const Outcome& o, std::pair<int, std::uint8_t> bit) {
  return (o.tvr[static_cast<std::size_t>(bit.first)] & bit.second) != 0;
}

TEST_F(EmvKernel, OfflineApprovalWithCda) {
  const auto o = run();
  EXPECT_EQ(o.result, Outcome::Result::approved) << o.reason;
  EXPECT_FALSE(o.online);
  EXPECT_TRUE(o.cda_verified);
  EXPECT_EQ(o.cid, 0x40);
  EXPECT_EQ(o.cryptogram.size(), 8u);
  EXPECT_EQ(o.atc, 1);
  EXPECT_EQ(to_hex(o.aid), "A0000000041010");
  EXPECT_EQ(to_hex(o.tvr), "0000000000");
  EXPECT_EQ(to_hex(o.card_data.at(0x5A)), "5413330089010608");
}

TEST_F(EmvKernel, AboveTheFloorLimitGoesOnlineAndTheIssuerApproves) {
  txn.amount = 20000;
  for (int method : {1, 2}) {
    SCOPED_TRACE(method);
    if (method == 2) {
      cards.delete_applet(seid, from_hex("A0000000041010"));
      ProfileOptions po;
      po.arpc_method = 2;
      cards.install_applet(seid, "sesame.emv.payment", from_hex("A0000000041010"),
                           as_bytes(make_profile_json(test_card(), &shared_pki(), issuer_master_key(), po)));
    }
    const auto o = run(issuer(method));
    EXPECT_EQ(o.result, Outcome::Result::approved) << o.reason;
    EXPECT_TRUE(o.online);
    EXPECT_TRUE(o.cda_verified) << "CDA on the second GENERATE AC";
    EXPECT_TRUE(tvr_bit(o, tvr::kFloorLimitExceeded));
    EXPECT_FALSE(tvr_bit(o, tvr::kIssuerAuthenticationFailed));
    EXPECT_EQ(to_hex(o.arc), "3030");
    EXPECT_EQ(o.cid, 0x40);
  }
}

// Threat: an altered amount between card and issuer. The ARQC covers the CDOL1 data, so the
// issuer finds it invalid, declines, and the card ends with an AAC.
TEST_F(EmvKernel, ArqcVerificationFailsWithAWrongAmount) {
  txn.amount = 20000;
  bool verified = true;
  auto host = std::make_shared<IssuerHost>(issuer_master_key(), 1);
  const auto o = run([&](const AuthorisationRequest& r) {
    EXPECT_TRUE(host->verify_arqc(r)) << "the genuine request verifies";
    AuthorisationRequest forged = r;
    forged.cdol1_data[5] ^= 0x01;  // amount 20000 -> 20001 (BCD, last byte)
    forged.amount = 20001;
    verified = host->verify_arqc(forged);
    return std::optional<AuthorisationResponse>(host->authorise(forged));
  });
  EXPECT_FALSE(verified);
  EXPECT_TRUE(o.online);
  EXPECT_EQ(to_hex(o.arc), "3035");
  EXPECT_EQ(o.result, Outcome::Result::declined);
  EXPECT_EQ(o.cid, 0x00);
}

// Threat: a signature altered on the way (or a card that signs wrongly) is caught by CDA.
TEST_F(EmvKernel, TamperedCdaSignatureIsDetected) {
  InProcessReader inner(cards, seid);
  AlteringReader reader(inner, [](ByteView cmd, Bytes& resp) {
    if (cmd.size() > 1 && cmd[1] == 0xAE && resp.size() > 40) resp[20] ^= 0x01;  // inside 9F4B
  });
  const auto o = run(reader);
  EXPECT_EQ(o.result, Outcome::Result::declined);
  EXPECT_TRUE(tvr_bit(o, tvr::kCdaFailed));
  EXPECT_FALSE(o.cda_verified);
  EXPECT_NE(o.reason.find("CDA"), std::string::npos) << o.reason;
}

// A changed authenticated record (the static data) breaks the ICC certificate: CDA fails before
// GENERATE AC, the TAC-denial bit for CDA failed makes the terminal ask for an AAC.
TEST_F(EmvKernel, AlteredStaticDataFailsCdaAndDeclines) {
  InProcessReader inner(cards, seid);
  AlteringReader reader(inner, [](ByteView cmd, Bytes& resp) {
    // SFI 2 record 1: the last byte of the application currency code 9F42.
    if (cmd.size() > 3 && cmd[1] == 0xB2 && cmd[2] == 0x01 && cmd[3] == 0x14) resp[resp.size() - 3] ^= 0x01;
  });
  const auto o = run(reader);
  EXPECT_TRUE(tvr_bit(o, tvr::kCdaFailed));
  EXPECT_EQ(o.result, Outcome::Result::declined);
  EXPECT_EQ(o.cid, 0x00);
  EXPECT_NE(o.reason.find("hash"), std::string::npos) << o.reason;
}

// A terminal without CDA uses DDA (INTERNAL AUTHENTICATE); an altered signature fails it.
TEST_F(EmvKernel, DdaWhenTheTerminalHasNoCda) {
  terminal.cda_supported = false;
  const auto o = run();
  EXPECT_EQ(o.result, Outcome::Result::approved) << o.reason;
  EXPECT_TRUE(o.dda_verified);
  EXPECT_FALSE(o.cda_verified);
  EXPECT_EQ(to_hex(o.tvr), "0000000000");
  EXPECT_EQ(o.card_data.at(0x9F4C).size(), 8u) << "the ICC dynamic number";

  InProcessReader inner(cards, seid);
  AlteringReader reader(inner, [](ByteView cmd, Bytes& resp) {
    if (cmd.size() > 1 && cmd[1] == 0x88 && resp.size() > 40) resp[30] ^= 0x01;
  });
  terminal.tac_denial = from_hex("0800000000");  // DDA failed -> decline
  const auto bad = run(reader);
  EXPECT_FALSE(bad.dda_verified);
  EXPECT_TRUE(tvr_bit(bad, tvr::kDdaFailed));
  EXPECT_EQ(bad.result, Outcome::Result::declined);
  terminal.dda_supported = false;
  EXPECT_TRUE(tvr_bit(run(), tvr::kOdaNotPerformed));
}

TEST_F(EmvKernel, UnknownCaKeyMeansCdaFailed) {
  terminal.ca_keys.clear();
  const auto o = run();
  EXPECT_TRUE(tvr_bit(o, tvr::kCdaFailed));
  EXPECT_EQ(o.result, Outcome::Result::declined);
  terminal.tac_denial = Bytes(5, 0);
  const auto o2 = run();
  EXPECT_EQ(o2.result, Outcome::Result::approved) << "without the TAC, a TC without CDA";
  EXPECT_FALSE(o2.cda_verified);
}

// Threat: offline limits force online. The card's lower consecutive limit is 3.
TEST_F(EmvKernel, OfflineLimitsForceOnline) {
  for (int i = 0; i < 3; ++i) {
    const auto o = run(issuer());
    ASSERT_EQ(o.result, Outcome::Result::approved) << o.reason;
    EXPECT_FALSE(o.online);
  }
  const auto o = run(issuer());
  EXPECT_EQ(o.result, Outcome::Result::approved) << o.reason;
  EXPECT_TRUE(o.online) << "the card asked for an ARQC";
  EXPECT_EQ(to_hex(o.tvr), "0000000000") << "the terminal itself wanted a TC";
  const auto again = run(issuer());
  EXPECT_FALSE(again.online) << "the issuer's approval reset the counters";
}

TEST_F(EmvKernel, UnableToGoOnlineApprovesOfflineUntilTheUpperLimit) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(run().result, Outcome::Result::approved);
  // ARQCs now; without an issuer the card accepts "Y3" until the upper consecutive limit (5).
  for (int i = 0; i < 2; ++i) {
    const auto o = run();
    EXPECT_EQ(o.result, Outcome::Result::approved) << o.reason;
    EXPECT_EQ(to_hex(o.arc), "5933");
  }
  const auto o = run();
  EXPECT_EQ(o.result, Outcome::Result::declined);
  EXPECT_EQ(o.cid, 0x00);
}

TEST_F(EmvKernel, SelectionByPriorityAndSupportedAids) {
  cards.delete_applet(seid, Bytes{'2', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1'});
  cards.install_applet(seid, "sesame.emv.ppse", Bytes{'2', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1'},
                       as_bytes(R"({"applications":[{"aid":"A0000000041010","priority":2},)"
                                R"({"aid":"A0000000043060","priority":1},{"aid":"A0000000031010","priority":1}]})"));
  // Two payment applications ACTIVATED together: one contactless group (docs/EMV.md).
  ProfileOptions po;
  po.contactless_group = 3;
  cards.delete_applet(seid, from_hex("A0000000041010"));
  cards.install_applet(seid, "sesame.emv.payment", from_hex("A0000000041010"),
                       as_bytes(make_profile_json(test_card(), &shared_pki(), issuer_master_key(), po)));
  po.label = "MAESTRO";
  cards.install_applet(seid, "sesame.emv.payment", from_hex("A0000000043060"),
                       as_bytes(make_profile_json(test_card(), &shared_pki(), issuer_master_key(), po)));
  auto o = run();
  EXPECT_EQ(to_hex(o.aid), "A0000000043060") << "priority 1 among the supported (Visa is not)";
  EXPECT_EQ(o.result, Outcome::Result::approved) << o.reason;
  terminal.supported_aids = {from_hex("A0000000041010")};
  o = run();
  EXPECT_EQ(to_hex(o.aid), "A0000000041010");
  terminal.supported_aids = {from_hex("A000000025")};
  o = run();
  EXPECT_EQ(o.result, Outcome::Result::end_application);
}

// Book B §3.3.2: priority 1 first, 15 last, entries without priority after them, ties in card order.
TEST(EmvKernelSelection, PriorityOrderAndPpseParsing) {
  std::vector<detail::DirectoryEntry> e{{from_hex("A0000000010001"), "", 0}, {from_hex("A0000000010002"), "", 15},
                                        {from_hex("A0000000010003"), "", 1}, {from_hex("A0000000010004"), "", 1}};
  detail::sort_by_priority(e);
  EXPECT_EQ(to_hex(e[0].aid), "A0000000010003");
  EXPECT_EQ(to_hex(e[1].aid), "A0000000010004");
  EXPECT_EQ(to_hex(e[2].aid), "A0000000010002");
  EXPECT_EQ(to_hex(e[3].aid), "A0000000010001");
  test::expect_errc(Errc::parse, [] {  // a 4-byte ADF name
    (void)detail::parse_ppse(from_hex("6F1D840E325041592E5359532E4444463031A50BBF0C0861064F04A0000000"));
  });
  const auto ok = detail::parse_ppse(from_hex("6F23840E325041592E5359532E4444463031A511BF0C0E610C4F07A0000000041010870102"));
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].priority, 2);
  test::expect_errc(Errc::parse, [] { (void)detail::parse_ppse(from_hex("6F1A840E325041592E5359532E4444463031A508BF0C0561034F0101")); });
  test::expect_errc(Errc::parse, [] { (void)detail::parse_ppse(from_hex("7003010203")); });
}

TEST_F(EmvKernel, ExpiredApplicationIsFlagged) {
  txn.date = "310101";
  terminal.ca_keys.clear();  // keep CDA out of it
  terminal.tac_denial = from_hex("0040000000");
  const auto o = run();
  EXPECT_TRUE(tvr_bit(o, tvr::kExpired));
  EXPECT_EQ(o.result, Outcome::Result::declined);
}

// A card (or a man in the middle) answering a TC where the terminal asked for an ARQC: refused.
TEST_F(EmvKernel, ATcInsteadOfTheRequestedArqcEndsTheApplication) {
  txn.amount = 20000;
  InProcessReader inner(cards, seid);
  AlteringReader reader(inner, [](ByteView cmd, Bytes& resp) {
    if (cmd.size() < 3 || cmd[1] != 0xAE || (cmd[2] & 0xC0) != 0x80) return;
    for (std::size_t i = 0; i + 3 < resp.size(); ++i)
      if (resp[i] == 0x9F && resp[i + 1] == 0x27 && resp[i + 2] == 0x01) {
        resp[i + 3] = 0x40;  // CID: TC
        return;
      }
  });
  bool asked = false;
  const auto o = run(reader, [&](const AuthorisationRequest&) {
    asked = true;
    return std::optional<AuthorisationResponse>();
  });
  EXPECT_EQ(o.result, Outcome::Result::end_application);
  EXPECT_FALSE(asked);
}

TEST_F(EmvKernel, ACardThatBreaksTheProtocolEndsTheApplication) {
  InProcessReader inner(cards, seid);
  AlteringReader reader(inner, [](ByteView cmd, Bytes& resp) {
    if (cmd.size() > 1 && cmd[1] == 0xA8) resp = {0x77, 0x03, 0x82, 0x01, 0x00, 0x90, 0x00};
  });
  const auto o = run(reader);
  EXPECT_EQ(o.result, Outcome::Result::end_application);
  EXPECT_FALSE(o.reason.empty());
}

}  // namespace
}  // namespace sesame::host::emv::testing
