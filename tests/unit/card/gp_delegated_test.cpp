// Delegated management (GP Card Specification 2.3 §9.4, Appendix C.4; formats in
// iso7816/gp_delegated.h): the ISD owner's token and receipt keys (PUT KEY, one key, to the ISD),
// INSTALL / DELETE / INSTALL [for extradition] through an SSD with the Delegated Management
// privilege with a token, receipts and the confirmation counter, and every refusal applying
// nothing. No published token or receipt vectors exist to our knowledge: the expected receipts
// are recomputed here from the documented layout with crypto/ primitives.
#include "iso7816/gp_delegated.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "card/card_state.h"
#include "card/delegated_management.h"
#include "card/isd.h"
#include "card/key_set.h"
#include "crypto/cmac.h"
#include "crypto/ec_key.h"
#include "crypto/ecdsa.h"
#include "gp_session.h"
#include "iso7816/gp_key_data.h"
#include "test_harness.h"

namespace sesame::card {
namespace {

using testing::GpSession;
using testing::Harness;
namespace gp = iso7816::gp;

constexpr const char* kIsd = "A000000151000000";
constexpr const char* kSsd = "A000000151535001";
constexpr const char* kApp = "A0000009990199";
const Bytes kReceiptKey = from_hex("00112233445566778899AABBCCDDEEFF");

std::string hx(std::size_t n) {
  char b[3];
  std::snprintf(b, sizeof b, "%02X", static_cast<unsigned>(n));
  return b;
}
std::string lv(const std::string& hex) {
  return hx(hex.size() / 2) + hex;
}
std::string apdu(const std::string& header, const std::string& data) {
  return header + lv(data) + "00";
}

std::string install_fields(const std::string& aid, const std::string& lf = "A00000099901",
                           const std::string& mod = "A0000009990100") {
  return lv(lf) + lv(mod) + lv(aid) + lv("00") + lv("C900");
}

class GpDelegatedTest : public ::testing::Test {
 protected:
  Harness h;
  GpSession isd{h};
  crypto::EcPrivateKey owner = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  Bytes cud = key_diversification_data(h.seid);

  // The ISD owner's keys on the card, and an SSD with the given privileges.
  void SetUp() override {
    isd.open(0x03);
    const Bytes token_key = gp::encode_token_key_data(owner.public_key().to_uncompressed_point());
    ASSERT_EQ(isd.data(apdu("80D80001", to_hex(token_key))), "70");
    const Bytes receipt_key = gp::encode_receipt_key_data(kReceiptKey, gp_test_keys().dek.view());
    ASSERT_EQ(isd.data(apdu("80D80001", to_hex(receipt_key))),
              "71" + to_hex(gp::key_check_value(kReceiptKey)));
    ASSERT_EQ(isd.data(apdu("80E60C00", lv("A0000001515350") + lv("A000000151535041") + lv(kSsd) + lv("A0") +
                                            lv("C900") + "00")),
              "00");
  }

  std::unique_ptr<GpSession> open_ssd() {
    EXPECT_EQ(h.sw(std::string("00A4040008") + kSsd), 0x9000);
    auto s = std::make_unique<GpSession>(h);
    s->open(0x03);
    return s;
  }
  // The ISD's confirmation counter as stored (GET DATA '00C2' would end an open session on channel 0).
  std::uint16_t counter() {
    const std::string c = h.stored(isd_aid(), "dm/counter");
    return c.empty() ? 0 : static_cast<std::uint16_t>(std::stoul(c, nullptr, 16));
  }
  std::string token(std::uint8_t p1, std::uint8_t p2, const std::string& data_without_token,
                    std::uint16_t next, const crypto::EcPrivateKey* key = nullptr) {
    const Bytes m = gp::token_message(p1, p2, from_hex(data_without_token), next, cud);
    return to_hex(
        crypto::ecdsa_sign(key ? *key : owner, crypto::SignatureHash::sha256, m, crypto::EcdsaFormat::raw));
  }
  std::string delegated_install(const std::string& aid, std::uint16_t next) {
    const std::string f = install_fields(aid);
    return apdu("80E60C00", f + lv(token(0x0C, 0x00, f, next)));
  }
  // The receipt the ISD owner expects: AES-CMAC(receipt key, confirmation data || receipt data).
  std::string expected_response(std::uint16_t n, const std::string& receipt_data) {
    const Bytes conf = gp::confirmation_data(n, cud);
    Bytes m = conf;
    append(m, from_hex(receipt_data));
    return "10" + to_hex(crypto::aes_cmac(kReceiptKey, m)) + hx(conf.size()) + to_hex(conf);
  }
  std::size_t applets() { return h.service->info(h.seid).applets.size(); }
};

TEST_F(GpDelegatedTest, InstallWithATokenAnswersAReceipt) {
  EXPECT_EQ(isd.data("80CA00C200"), "C2020000") << "GET DATA confirmation counter";
  EXPECT_EQ(counter(), 0);
  auto ssd = open_ssd();
  EXPECT_EQ(ssd->data(delegated_install(kApp, 1)), expected_response(1, lv("A00000099901") + lv(kApp)));
  EXPECT_EQ(counter(), 1);
  ASSERT_EQ(applets(), 3u);
  EXPECT_EQ(h.service->info(h.seid).applets[2].module, "test.tx");
  // Associated with the SSD: it lists it.
  auto ssd2 = open_ssd();
  EXPECT_NE(ssd2->data("80F24002024F0000").find("CC08" + std::string(kSsd)), std::string::npos);
  // DELETE with a token ('9E'), then extradition of a second application, each with its receipt.
  const std::string del = "4F" + lv(kApp);
  EXPECT_EQ(ssd2->data(apdu("80E40000", del + "9E40" + token(0x00, 0x00, del, 2))),
            expected_response(2, lv(kApp)));
  EXPECT_EQ(applets(), 2u);
  EXPECT_EQ(ssd2->data(delegated_install(kApp, 3)), expected_response(3, lv("A00000099901") + lv(kApp)));
  const std::string ex = lv(kIsd) + "00" + lv(kApp) + "0000";
  EXPECT_EQ(ssd2->data(apdu("80E61000", ex + lv(token(0x10, 0x00, ex, 4)))),
            expected_response(4, lv(kIsd) + lv(kApp)));
  EXPECT_EQ(ssd2->sw("80F24002024F0000"), 0x6A88) << "it belongs to the ISD now";
  h.reload();
  EXPECT_EQ(counter(), 4) << "durable";
  EXPECT_EQ(h.data("80CA00C200"), "C2020004");
}

TEST_F(GpDelegatedTest, RefusalsApplyNothing) {
  auto ssd = open_ssd();
  const std::string f = install_fields(kApp);
  EXPECT_EQ(ssd->sw(apdu("80E60C00", f + "00")), 0x6982) << "no token";
  EXPECT_EQ(ssd->sw(apdu("80E60C00", f + lv(token(0x0C, 0x00, install_fields("A0000009990198"), 1)))), 0x6982)
      << "a token for other data";
  EXPECT_EQ(ssd->sw(apdu("80E60C00", f + lv(token(0x0C, 0x00, f, 2)))), 0x6982)
      << "a token for another counter value";
  const auto stranger = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  EXPECT_EQ(ssd->sw(apdu("80E60C00", f + lv(token(0x0C, 0x00, f, 1, &stranger)))), 0x6982)
      << "not the ISD owner's key";
  EXPECT_EQ(ssd->sw(apdu("80E60C00", f + lv(token(0x0C, 0x01, f, 1)))), 0x6982) << "signed for other P1 P2";
  EXPECT_EQ(ssd->sw(apdu("80E60C00", f + lv("00"))), 0x6982) << "a token of the wrong length";
  std::string flipped = token(0x0C, 0x00, f, 1);
  flipped[10] = flipped[10] == '0' ? '1' : '0';
  EXPECT_EQ(ssd->sw(apdu("80E60C00", f + lv(flipped))), 0x6982) << "a corrupted token";
  const std::string del = "4F" + lv("A0000009990101");
  EXPECT_EQ(ssd->sw(apdu("80E40000", del)), 0x6982) << "DELETE without a token";
  EXPECT_EQ(applets(), 2u) << "nothing installed";
  EXPECT_EQ(counter(), 0) << "no token spent";
  // A replayed token: valid once, refused the second time (the counter moved on).
  const std::string cmd = delegated_install(kApp, 1);
  EXPECT_EQ(ssd->tx(cmd).sw, 0x9000);
  const std::string d = "4F" + lv(kApp);
  EXPECT_EQ(ssd->tx(apdu("80E40000", d + "9E40" + token(0x00, 0x00, d, 2))).sw, 0x9000);
  EXPECT_EQ(ssd->sw(cmd), 0x6982) << "replayed INSTALL";
  EXPECT_EQ(applets(), 2u);
  EXPECT_EQ(counter(), 2);
}

TEST_F(GpDelegatedTest, TheTokenIsSpentBeforeTheOperation) {
  auto ssd = open_ssd();
  const std::string cmd = delegated_install(kApp, 1);
  h.faults->fail_commit_after = 1;  // the counter's put_now commits, the installation's commit fails
  EXPECT_EQ(ssd->sw(cmd), 0x6581);
  h.reload();
  EXPECT_EQ(applets(), 2u) << "not installed";
  EXPECT_EQ(counter(), 1) << "but the token is spent";
  auto ssd2 = open_ssd();
  EXPECT_EQ(ssd2->sw(cmd), 0x6982);
  EXPECT_EQ(ssd2->data(delegated_install(kApp, 2)), expected_response(2, lv("A00000099901") + lv(kApp)));
}

TEST_F(GpDelegatedTest, TokensOnlyWhereDelegatedManagementIsThePrivilege) {
  const std::string f = install_fields(kApp);
  EXPECT_EQ(isd.sw(apdu("80E60C00", f + lv(token(0x0C, 0x00, f, 1)))), 0x6A80) << "the ISD takes no token";
  EXPECT_EQ(isd.data(apdu("80E60C00", lv("A0000001515350") + lv("A000000151535041") + lv("A000000151535002") +
                                          lv("80") + lv("C900") + "00")),
            "00");
  EXPECT_EQ(h.sw("00A4040008A000000151535002"), 0x9000);
  GpSession plain(h);
  plain.open(0x01);
  EXPECT_EQ(plain.sw(apdu("80E60C00", f + lv(token(0x0C, 0x00, f, 1)))), 0x6985)
      << "an SSD without DM or AM, even with a token";
  EXPECT_EQ(counter(), 0);
}

TEST_F(GpDelegatedTest, WithoutTheOwnersKeysNothingIsDelegated) {
  Harness bare;
  GpSession g(bare);
  g.open(0x01);
  ASSERT_EQ(g.data(apdu("80E60C00", lv("A0000001515350") + lv("A000000151535041") + lv(kSsd) + lv("A0") +
                                        lv("C900") + "00")),
            "00");
  EXPECT_EQ(bare.sw(std::string("00A4040008") + kSsd), 0x9000);
  GpSession s(bare);
  s.open(0x01);
  const std::string f = install_fields(kApp);
  const Bytes m = gp::token_message(0x0C, 0x00, from_hex(f), 1, key_diversification_data(bare.seid));
  const std::string t =
      to_hex(crypto::ecdsa_sign(owner, crypto::SignatureHash::sha256, m, crypto::EcdsaFormat::raw));
  EXPECT_EQ(s.sw(apdu("80E60C00", f + lv(t))), 0x6985) << "no token verification key";
}

TEST_F(GpDelegatedTest, PutKeyOfTheDelegationKeys) {
  const Bytes other =
      crypto::EcPrivateKey::generate(crypto::Curve::p256).public_key().to_uncompressed_point();
  EXPECT_EQ(isd.sw(apdu("80D80001", to_hex(gp::encode_token_key_data(other)))), 0x6A80)
      << "add a key that exists";
  EXPECT_EQ(isd.sw(apdu("80D87101", to_hex(gp::encode_token_key_data(other)))), 0x6A88)
      << "P1 names another key";
  Bytes bad_curve = gp::encode_token_key_data(other);
  bad_curve[bad_curve.size() - 2] = 0x03;
  EXPECT_EQ(isd.sw(apdu("80D87001", to_hex(bad_curve))), 0x9484) << "another curve";
  Bytes off_curve = gp::encode_token_key_data(other);
  off_curve[10] ^= 0x01;
  EXPECT_EQ(isd.sw(apdu("80D87001", to_hex(off_curve))), 0x6A80) << "not a point on P-256";
  Bytes bad_kcv = gp::encode_receipt_key_data(kReceiptKey, gp_test_keys().dek.view());
  bad_kcv.back() ^= 0x01;
  EXPECT_EQ(isd.sw(apdu("80D87101", to_hex(bad_kcv))), 0x9485);
  EXPECT_EQ(isd.sw(apdu("80D80001", "31")), 0x6A86) << "one SCP03 key";
  // The replaced token key is the one tokens verify with.
  const auto next_owner = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  EXPECT_EQ(
      isd.data(apdu("80D87001",
                    to_hex(gp::encode_token_key_data(next_owner.public_key().to_uncompressed_point())))),
      "70");
  auto ssd = open_ssd();
  EXPECT_EQ(ssd->sw(apdu("80D80001", to_hex(gp::encode_token_key_data(other)))), 0x6A86)
      << "only the ISD holds them";
  EXPECT_EQ(ssd->sw(delegated_install(kApp, 1)), 0x6982) << "the old owner's token";
  const std::string f = install_fields(kApp);
  EXPECT_EQ(ssd->data(apdu("80E60C00", f + lv(token(0x0C, 0x00, f, 1, &next_owner)))),
            expected_response(1, lv("A00000099901") + lv(kApp)));
}

}  // namespace
}  // namespace sesame::card
