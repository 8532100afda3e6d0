// EXPECT_HEX(actual, "expected hex"): compares byte strings as upper-case hex so a failing
// known-answer test prints readable values. Expected text may use any case and spaces.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "util/hex.h"
#include "util/secure_buffer.h"

namespace sesame::test {

inline std::string hex_of(ByteView b) {
  return to_hex(b);
}
inline std::string hex_of(const SecureBytes& b) {
  return to_hex(b.view());
}
inline std::string hex_of(std::string_view expected) {
  return to_hex(from_hex(expected));
}

}  // namespace sesame::test

#define EXPECT_HEX(actual, expected) \
  EXPECT_EQ(::sesame::test::hex_of(actual), ::sesame::test::hex_of(std::string_view(expected)))
