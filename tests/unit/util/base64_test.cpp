#include "util/base64.h"

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/hex.h"

namespace sesame {
namespace {

std::string str(const Bytes& b) { return {b.begin(), b.end()}; }

// RFC 4648 §10 test vectors.
struct Vector {
  const char* plain;
  const char* b64;
  const char* b64url;
};
constexpr Vector kRfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

}  // namespace

TEST(Base64, Rfc4648Section10) {
  for (const auto& v : kRfc4648) {
    EXPECT_EQ(base64_encode(as_bytes(v.plain)), v.b64) << v.plain;
    EXPECT_EQ(str(base64_decode(v.b64)), v.plain) << v.b64;
    EXPECT_EQ(base64url_encode(as_bytes(v.plain)), v.b64url) << v.plain;
    EXPECT_EQ(str(base64url_decode(v.b64url)), v.plain) << v.b64url;
  }
}

TEST(Base64, UrlAlphabet) {
  const Bytes b = from_hex("FBFF BF");
  EXPECT_EQ(base64_encode(b), "+/+/");
  EXPECT_EQ(base64url_encode(b), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_"), b);
  EXPECT_EQ(base64_decode("+/+/"), b);
}

TEST(Base64, RoundTripAllLengths) {
  Bytes b;
  for (int n = 0; n < 70; ++n) {
    EXPECT_EQ(base64_decode(base64_encode(b)), b);
    EXPECT_EQ(base64url_decode(base64url_encode(b)), b);
    b.push_back(static_cast<std::uint8_t>(n * 37 + 11));
  }
}

TEST(Base64, StrictStandardDecoding) {
  EXPECT_THROW(base64_decode("Zg"), Error);        // missing padding
  EXPECT_THROW(base64_decode("Zg="), Error);       // short padding
  EXPECT_THROW(base64_decode("Z==="), Error);      // too much padding
  EXPECT_THROW(base64_decode("Zg=a"), Error);      // padding inside
  EXPECT_THROW(base64_decode("Zm 9v"), Error);     // whitespace
  EXPECT_THROW(base64_decode("Zm9v\n"), Error);    // newline
  EXPECT_THROW(base64_decode("-_-_"), Error);      // url alphabet
  EXPECT_THROW(base64_decode("Zh=="), Error);      // non-zero trailing bits
  EXPECT_THROW(base64_decode("Zm9="), Error);      // non-zero trailing bits
  EXPECT_THROW(base64_decode("Zm9v===="), Error);  // padding-only quantum
  try {
    base64_decode("Zg=");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::parse);
  }
}

TEST(Base64, StrictUrlDecoding) {
  EXPECT_THROW(base64url_decode("Zg=="), Error);   // padding not allowed
  EXPECT_THROW(base64url_decode("+/+/"), Error);   // standard alphabet
  EXPECT_THROW(base64url_decode("Zm9vY"), Error);  // length 4n+1
  EXPECT_THROW(base64url_decode("Zh"), Error);     // non-zero trailing bits
  EXPECT_THROW(base64url_decode("Zm 9"), Error);
  EXPECT_THROW(base64url_decode(std::string_view("Zm\0v", 4)), Error);
}

}  // namespace sesame
