// DOLs, DOL related data and the AFL (iso7816/emv_dol.h), per EMV 4.3 Book 3 §5.4 and §10.2.
#include "iso7816/emv_dol.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "iso7816/emv_card_data.h"
#include "util/hex.h"

namespace sesame::iso7816::emv {
namespace {

TEST(EmvDol, ParsesTagsAndLengths) {
  const auto d = parse_dol(kCdol1);
  ASSERT_EQ(d.size(), 9u);
  EXPECT_EQ(d[0].tag, 0x9F02u);
  EXPECT_EQ(d[0].length, 6u);
  EXPECT_EQ(d[3].tag, 0x95u);
  EXPECT_EQ(dol_data_length(d), 30u);
  EXPECT_TRUE(parse_dol({}).empty());
  test::expect_errc(Errc::parse, [] { (void)parse_dol(from_hex("9F02")); });    // no length
  test::expect_errc(Errc::parse, [] { (void)parse_dol(from_hex("9F")); });      // truncated tag
  test::expect_errc(Errc::parse, [] { (void)parse_dol(from_hex("7003")); });    // constructed
  test::expect_errc(Errc::parse, [] { (void)parse_dol(from_hex("9F8181810101")); });  // tag > 3 bytes
}

// Book 3 §5.4: numeric values are right-justified (truncated on the left), others left-justified
// (truncated on the right); missing ones are zeros.
TEST(EmvDol, BuildsDataWithPaddingAndTruncation) {
  const auto d = parse_dol(from_hex("9F0206" "9F1A02" "5003" "9F3704" "9F0103"));
  const Bytes data = build_dol_data(d, [](std::uint32_t tag) -> std::optional<Bytes> {
    switch (tag) {
      case 0x9F02: return from_hex("1234");           // n: left-padded
      case 0x9F1A: return from_hex("000250");         // n: left-truncated
      case 0x50: return from_hex("41424344");         // an: right-truncated
      case 0x9F37: return from_hex("AABB");           // b: right-padded
      default: return std::nullopt;                   // absent: zeros
    }
  });
  EXPECT_EQ(to_hex(data), "000000001234" "0250" "414243" "AABB0000" "000000");
  EXPECT_EQ(to_hex(*dol_value(d, data, 0x50)), "414243");
  EXPECT_FALSE(dol_value(d, data, 0x9F36).has_value());
  test::expect_errc(Errc::parse, [&] { (void)dol_value(d, Bytes(3), 0x50); });
}

TEST(EmvDol, Afl) {
  const auto a = parse_afl(from_hex("08010100" "10010401"));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].sfi, 2);
  EXPECT_EQ(a[1].last, 4);
  EXPECT_EQ(a[1].oda_count, 1);
  for (const char* bad : {"080101", "08000000", "08020100", "08010102", "00010100", "F8010100", "09010100"})
    test::expect_errc(Errc::parse, [&] { (void)parse_afl(from_hex(bad)); });
}

TEST(EmvCardData, OdaRecordAndStaticData) {
  CardData c;
  c.pan = "5413330089010608";
  c.psn = "01";
  c.expiry = "301231";
  const Bytes r = oda_record_value(c);
  EXPECT_EQ(to_hex(r).substr(0, 32), "5A0854133300890106085F2403301231");
  EXPECT_EQ(to_hex(static_data_to_authenticate(c)), to_hex(r) + "2D80");
  EXPECT_EQ(to_hex(issuer_identifier(c.pan)), "541333FF");
  c.expiry = "3012";
  test::expect_errc(Errc::invalid_argument, [&] { (void)oda_record_value(c); });
}

}  // namespace
}  // namespace sesame::iso7816::emv
