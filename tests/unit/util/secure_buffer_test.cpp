#include "util/secure_buffer.h"

#include <gtest/gtest.h>

namespace sesame {

TEST(SecureBuffer, ConstantTimeEqualityByContent) {
  Bytes a{1, 2, 3}, b{1, 2, 3}, c{1, 2, 4}, d{1, 2};
  EXPECT_TRUE(secure_equal(a, b));
  EXPECT_FALSE(secure_equal(a, c));
  EXPECT_FALSE(secure_equal(a, d));
  EXPECT_TRUE(SecureBytes(ByteView(a)) == SecureBytes(ByteView(b)));
}

TEST(SecureBuffer, ZeroizesOnClear) {
  SecureBytes s{9, 9, 9, 9};
  std::uint8_t* p = s.data();
  secure_zero(p, s.size());
  EXPECT_EQ(p[0] | p[1] | p[2] | p[3], 0);
  s.clear();
  EXPECT_TRUE(s.empty());
}

}  // namespace sesame
