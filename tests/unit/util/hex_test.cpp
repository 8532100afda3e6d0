#include "util/hex.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace sesame {

TEST(Hex, RoundTrip) {
  Bytes b{0x00, 0xA4, 0x04, 0x0C, 0xFF};
  EXPECT_EQ(to_hex(b), "00A4040CFF");
  EXPECT_EQ(from_hex("00a4040cff"), b);
  EXPECT_EQ(from_hex("00 A4:04\t0C FF"), b);
}

TEST(Hex, RejectsMalformed) {
  EXPECT_THROW(from_hex("ABC"), Error);
  EXPECT_THROW(from_hex("0G"), Error);
  EXPECT_THROW(from_hex("0 0"), Error);
}

}  // namespace sesame
