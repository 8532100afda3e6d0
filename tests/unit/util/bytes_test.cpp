// Big-endian helpers (util/bytes.h), the ByteReader's u64 and the SEID syntax (util/seid.h).
#include "util/bytes.h"

#include <gtest/gtest.h>

#include "util/byte_reader.h"
#include "util/hex.h"
#include "util/secure_buffer.h"
#include "util/seid.h"

namespace sesame {
namespace {

TEST(Bytes, BigEndianPutAndGet) {
  Bytes b;
  put_u16(b, 0x0102);
  put_u32(b, 0x03040506);
  put_u64(b, 0x0708090A0B0C0D0EULL);
  EXPECT_EQ(to_hex(b), "0102030405060708090A0B0C0D0E");
  EXPECT_EQ(get_u16(b, 0), 0x0102);
  EXPECT_EQ(get_u32(b, 2), 0x03040506u);
  EXPECT_EQ(get_u64(b, 6), 0x0708090A0B0C0D0EULL);
  EXPECT_EQ(get_u64(from_hex("FFFFFFFFFFFFFFFF")), ~0ULL);
  SecureBytes s;  // the same helpers write secrets
  put_u64(s, 0x8000000000000001ULL);
  EXPECT_EQ(to_hex(s.view()), "8000000000000001");
}

TEST(Bytes, ReaderU64) {
  const Bytes b = from_hex("0102030405060708 09");
  ByteReader r(b, "test");
  EXPECT_EQ(r.u64(), 0x0102030405060708ULL);
  EXPECT_THROW(r.u64(), Error);  // one byte left
  EXPECT_EQ(r.u8(), 0x09);
}

TEST(Bytes, SeidSyntax) {
  EXPECT_TRUE(valid_seid("demo"));
  EXPECT_TRUE(valid_seid("A-z_0.9"));
  EXPECT_TRUE(valid_seid(std::string(64, 'a')));
  EXPECT_FALSE(valid_seid(""));
  EXPECT_FALSE(valid_seid(std::string(65, 'a')));
  for (const char* bad : {"a b", "a/b", "a:b", "a\nb", "ä", "a,b"}) EXPECT_FALSE(valid_seid(bad)) << bad;
}

TEST(SecureString, WipeZeroizesTheWholeBuffer) {
  SecureString s = "APDU demo 002000810431323334";
  const std::size_t cap = s.capacity();
  const char* const buffer = s.data();
  s.resize(5);  // the PIN is now past size(), in spare capacity
  wipe(s);
  EXPECT_TRUE(s.empty());
  ASSERT_EQ(s.data(), buffer);  // no reallocation: the same block was zeroized
  // Reads the block as raw memory (it is still allocated): no byte of the old text is left.
  for (std::size_t i = 0; i < cap; ++i) EXPECT_EQ(buffer[i], '\0') << i;
}

}  // namespace
}  // namespace sesame
