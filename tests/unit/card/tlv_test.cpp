// BER-TLV helpers: tag and length forms of ISO/IEC 7816-4 §5.2 / X.690 §8.1.
#include "card/tlv.h"

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/hex.h"

namespace sesame::card {
namespace {

TEST(TlvTest, EncodesTagsAndLengthForms) {
  EXPECT_EQ(to_hex(tlv(0x4F, from_hex("A0000001"))), "4F04A0000001");
  EXPECT_EQ(to_hex(tlv(0x9F70, from_hex("07"))), "9F700107");
  EXPECT_EQ(to_hex(tlv(0x64, {})), "6400");
  EXPECT_EQ(to_hex(tlv(0x53, Bytes(0x80, 0))).substr(0, 6), "538180");
  EXPECT_EQ(to_hex(tlv(0x53, Bytes(0x100, 0))).substr(0, 8), "53820100");
}

TEST(TlvTest, ParsesFlatLists) {
  const Bytes d = from_hex("4F00" "9F700107" "5F2D02656E" "538180" + std::string(256, '0'));
  auto items = parse_tlv_list(d);
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].tag, 0x4Fu);
  EXPECT_TRUE(items[0].value.empty());
  EXPECT_EQ(items[1].tag, 0x9F70u);
  EXPECT_EQ(items[2].tag, 0x5F2Du);
  EXPECT_EQ(items[3].value.size(), 0x80u);
}

TEST(TlvTest, RejectsTruncatedInput) {
  for (const char* bad : {"4F", "4F02AA", "9F", "5F2D", "4F81", "4F8400000001", "4F80"})
    EXPECT_THROW(parse_tlv_list(from_hex(bad)), Error) << bad;
}

}  // namespace
}  // namespace sesame::card
