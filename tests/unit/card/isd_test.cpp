// The Issuer Security Domain: FCI, GET DATA (CPLC, Card Data) and GET STATUS encodings
// (GP Card Specification 2.3 §11.3, §11.4, §11.9.3, Annex H). GET STATUS runs inside an SCP03
// session with C-MAC (gp_session.h); the secure channel itself is tested in isd_scp03_test.cpp.
#include "card/isd.h"

#include <gtest/gtest.h>

#include "gp_session.h"
#include "test_harness.h"

namespace sesame::card {
namespace {

using testing::Harness;

constexpr const char* kIsd = "A000000151000000";
// {globalPlatform} OID arc 1.2.840.114283 in X.690 encoding: 2A 86 48 86 FC 6B (114283 =
// 6*128^2 + 124*128 + 107 -> 86 FC 6B).
constexpr const char* kGp = "2A864886FC6B";

std::string s(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& p : parts) out += p;
  return out;
}

TEST(IsdTest, CardRecognitionDataFollowsGpAnnexH2) {
  // '06' {gp 1}, '60' {gp 2 2.3}, '63' {gp 3}, '64' {gp 4 SCP03 i=70}
  const std::string expected = s({"0607", kGp, "01", "600B0609", kGp, "020203", "63090607", kGp, "03", "640B0609", kGp, "040370"});
  EXPECT_EQ(to_hex(card_recognition_data()), expected);
}

TEST(IsdTest, CplcIs42BytesWithASerialFromTheSeid) {
  const Bytes a = cplc("card-a"), b = cplc("card-b");
  ASSERT_EQ(a.size(), 42u);
  EXPECT_EQ(to_hex(ByteView(a).first(6)), "534553315345");  // fabricator, type, OS identifier
  EXPECT_EQ(cplc("card-a"), a);
  EXPECT_NE(Bytes(a.begin() + 12, a.begin() + 16), Bytes(b.begin() + 12, b.begin() + 16));  // IC serial number
  EXPECT_EQ(Bytes(a.begin(), a.begin() + 12), Bytes(b.begin(), b.begin() + 12));
}

class IsdCardTest : public ::testing::Test {
 protected:
  Harness h;
  testing::GpSession gp{h};
};

TEST_F(IsdCardTest, GetData) {
  auto r = h.tx("80CA9F7F00");
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(to_hex(r.data), "9F7F2A" + to_hex(cplc(h.seid)));
  EXPECT_EQ(h.data("00CA9F7F00"), to_hex(r.data)) << "CLA 00 too";
  EXPECT_EQ(h.data("80CA006600"), "6630732E" + to_hex(card_recognition_data()));
  EXPECT_EQ(h.sw("80CA00FF00"), 0x6A88);
  EXPECT_EQ(h.sw("80CA9F7F0101"), 0x6700);
}

TEST_F(IsdCardTest, SelectAnswersGpFci) {
  auto r = h.tx("00A4040008A00000015100000000");
  EXPECT_EQ(r.sw, 0x9000);
  const std::string crd = to_hex(card_recognition_data());
  EXPECT_EQ(to_hex(r.data), s({"6F40", "8408", kIsd, "A534", "732E", crd, "9F6501FF"}));
}

TEST_F(IsdCardTest, GetStatusOfTheIsd) {
  gp.open();
  // E3 { 4F AID, 9F70 life cycle (0F SECURED), C5 privileges, CC associated SD }
  EXPECT_EQ(gp.data("80F28002024F0000"), s({"E31D", "4F08", kIsd, "9F70010F", "C5039E0000", "CC08", kIsd}));
  EXPECT_EQ(gp.data("80F28000024F0000"), s({"08", kIsd, "0F9E"})) << "legacy format";
  EXPECT_EQ(gp.sw("80F28002034F01A100"), 0x6A88) << "search criteria exclude it";
}

TEST_F(IsdCardTest, GetStatusOfApplicationsAndLoadFiles) {
  gp.open();
  h.install_test_applets();
  const std::string tx1 = s({"E324", "4F07A0000009990101", "9F700107", "C503000000", "C406A00000099901", "CC08", kIsd});
  auto r = gp.tx("80F24002024F0000");
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(r.data.size(), 4u * 38u);
  EXPECT_EQ(to_hex(r.data).substr(0, tx1.size()), tx1);
  EXPECT_EQ(gp.data("80F24002094F07A000000999010100"), tx1) << "AID filter";
  EXPECT_EQ(gp.data("80F24000094F07A000000999010100"), "07A00000099901010700") << "legacy";
  h.service->set_applet_life_cycle(h.seid, testing::kTxAid1, 0x83);
  EXPECT_EQ(gp.data("80F24000094F07A000000999010100"), "07A00000099901018300");

  EXPECT_EQ(gp.data("80F22002084F06A0000009990100"), s({"E316", "4F06A00000099901", "9F700101", "CC08", kIsd}));
  EXPECT_EQ(gp.data("80F21002084F06A0000009990100"), s({"E31F", "4F06A00000099901", "9F700101", "CC08", kIsd, "8407A0000009990100"}));
  EXPECT_EQ(gp.data("80F21000084F06A0000009990100"), "06A000000999010100" "0107A0000009990100");
  EXPECT_EQ(gp.data("80F22000024F0000").size(), 3u * 2 * 9u);
}

TEST_F(IsdCardTest, GetStatusPagesWith6310) {
  gp.open();
  h.install_test_applets();
  for (int i = 0; i < 4; ++i) {
    Bytes aid = from_hex("A0000009990110");
    aid.back() = static_cast<std::uint8_t>(0x10 + i);
    h.service->install_applet(h.seid, "test.tx", aid, {});
  }
  auto r = gp.tx("80F24002024F0000");  // 8 entries of 38 bytes: 6 fit in 256
  EXPECT_EQ(r.sw, 0x6310);
  EXPECT_EQ(r.data.size(), 6u * 38u);
  r = gp.tx("80F24003024F0000");
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(r.data.size(), 2u * 38u);
  EXPECT_EQ(gp.sw("80F24003024F0000"), 0x6A88) << "nothing left";
  r = gp.tx("80F24002024F0030");  // Le=48: one entry per response
  EXPECT_EQ(r.sw, 0x6310);
  EXPECT_EQ(r.data.size(), 38u);
}

TEST_F(IsdCardTest, GetStatusErrors) {
  gp.open();
  EXPECT_EQ(gp.sw("80F20102024F0000"), 0x6A86);
  EXPECT_EQ(gp.sw("80F28004024F0000"), 0x6A86);
  EXPECT_EQ(gp.sw("80F2800200"), 0x6A80) << "no search criteria";
  EXPECT_EQ(gp.sw("80F2800202C10000"), 0x6A80);
  EXPECT_EQ(gp.sw("80F28002014F"), 0x6A80) << "truncated TLV";
  EXPECT_EQ(gp.sw("00F28002024F0000"), 0x6E00);
  EXPECT_EQ(gp.sw("80F24003024F0000"), 0x6A88) << "next without a first";
}

TEST_F(IsdCardTest, CardContentManagementNeedsASecureChannel) {
  EXPECT_EQ(h.sw("80F28002024F0000"), 0x6982);  // GET STATUS (GP §11.4.1: needs a secure channel)
  EXPECT_EQ(h.sw("80E60C0000"), 0x6982);   // INSTALL
  EXPECT_EQ(h.sw("80E4000000"), 0x6982);   // DELETE
  EXPECT_EQ(h.sw("80E2800000"), 0x6982);   // STORE DATA
  EXPECT_EQ(h.sw("80F0400000"), 0x6982);   // SET STATUS
  EXPECT_EQ(h.sw("80D8000000"), 0x6982);   // PUT KEY
  EXPECT_EQ(h.sw("80E8000000"), 0x6982);   // LOAD
}

TEST_F(IsdCardTest, AuthenticatedWithoutCMacIsNotEnough) {
  gp.open(0x00);  // security level 00: authenticated, no protection
  EXPECT_EQ(gp.sw("80F28002024F0000"), 0x6982);
  EXPECT_EQ(gp.sw("80E60C0000"), 0x6982);
}

TEST_F(IsdCardTest, UnimplementedContentManagementInsideTheChannel) {
  gp.open();
  EXPECT_EQ(gp.sw("80E8000000"), 0x6D00);  // LOAD
  EXPECT_EQ(gp.sw("80E2800000"), 0x9000);  // STORE DATA: an empty last block for the ISD (isd_store_data_test.cpp)
  EXPECT_EQ(gp.sw("80CA9F7F00"), 0x9000) << "the session goes on after an error status word";
}

}  // namespace
}  // namespace sesame::card
