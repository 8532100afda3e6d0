#include "crypto/padding.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "hex_expect.h"
#include "util/hex.h"

namespace sesame::crypto {
namespace {

using P = Iso9797Padding;

// ISO/IEC 9797-1 section 6.1.2: padding method 1 pads with '0' bits to a positive multiple of
// the block length, adding nothing to non-empty aligned data.
TEST(Padding, Method1) {
  EXPECT_HEX(iso9797_pad(P::method1, from_hex("0102"), 8), "0102000000000000");
  EXPECT_HEX(iso9797_pad(P::method1, from_hex("0102030405060708"), 8), "0102030405060708");
  EXPECT_HEX(iso9797_pad(P::method1, ByteView{}, 8), "0000000000000000");
  EXPECT_HEX(iso9797_pad(P::method1, from_hex("01"), 16), "01000000000000000000000000000000");
}

// ISO/IEC 9797-1 section 6.1.3 (= ISO/IEC 7816-4 padding): a '1' bit then '0' bits, always added.
TEST(Padding, Method2) {
  EXPECT_HEX(iso9797_pad(P::method2, from_hex("011E"), 8), "011E800000000000");  // ICAO 9303-11 D.4
  EXPECT_HEX(iso9797_pad(P::method2, from_hex("01020304050607"), 8), "0102030405060780");
  EXPECT_HEX(iso9797_pad(P::method2, from_hex("0102030405060708"), 8), "0102030405060708 8000000000000000");
  EXPECT_HEX(iso9797_pad(P::method2, ByteView{}, 8), "8000000000000000");
  EXPECT_HEX(iso9797_pad(P::method2, from_hex("AA"), 16), "AA800000000000000000000000000000");
}

TEST(Padding, SecureOverloadsMatch) {
  const SecureBytes secret{0x12, 0x34};
  EXPECT_HEX(iso9797_pad(P::method2, secret, 8), "1234800000000000");
  EXPECT_HEX(iso9797_unpad_method2(iso9797_pad(P::method2, secret, 8), 8), "1234");
}

TEST(Padding, UnpadMethod2) {
  EXPECT_HEX(iso9797_unpad_method2(from_hex("011E800000000000"), 8), "011E");
  EXPECT_HEX(iso9797_unpad_method2(from_hex("0102030405060780"), 8), "01020304050607");
  EXPECT_HEX(iso9797_unpad_method2(from_hex("8000000000000000"), 8), "");
  EXPECT_HEX(iso9797_unpad_method2(from_hex("0102030405060708 8000000000000000"), 8), "0102030405060708");
  EXPECT_HEX(iso9797_unpad_method2(from_hex("0080000000000000"), 8), "00");  // data may end in zeros
  for (std::size_t n = 0; n < 40; ++n) {
    Bytes data(n, 0x00);  // zeros in the data must survive a round trip
    EXPECT_EQ(iso9797_unpad_method2(iso9797_pad(P::method2, data, 16), 16), data) << n;
  }
}

TEST(Padding, UnpadMethod2IsStrict) {
  for (const char* bad : {
           "",                                   // empty
           "0000000000000000",                   // no '80'
           "0102030405060708",                   // no padding at all
           "011E800000000001",                   // non-zero after '80'
           "011E8000000000",                     // not a whole block
           "0102030405060780 0000000000000000",  // padding longer than a block
           "011E810000000000",                   // '81' is not '80'
       }) {
    SCOPED_TRACE(bad);
    test::expect_errc(Errc::parse, [&] { iso9797_unpad_method2(from_hex(bad), 8); });
  }
}

TEST(Padding, RejectsZeroBlockSize) {
  test::expect_errc(Errc::invalid_argument, [] { iso9797_pad(P::method2, from_hex("01"), 0); });
  test::expect_errc(Errc::invalid_argument, [] { iso9797_unpad_method2(from_hex("80"), 0); });
  test::expect_errc(Errc::invalid_argument, [] { iso9797_pad(static_cast<P>(7), from_hex("01"), 8); });
}

}  // namespace
}  // namespace sesame::crypto
