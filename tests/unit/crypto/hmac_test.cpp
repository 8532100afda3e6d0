#include "crypto/hmac.h"

#include <gtest/gtest.h>

#include "hex_expect.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

// RFC 2202 section 3 (HMAC-SHA-1), test cases 1, 2 and 6.
TEST(Hmac, Rfc2202Sha1) {
  EXPECT_HEX(hmac(HashAlg::sha1, Bytes(20, 0x0b), as_bytes("Hi There")),
             "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_HEX(hmac(HashAlg::sha1, as_bytes("Jefe"), as_bytes("what do ya want for nothing?")),
             "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_HEX(hmac(HashAlg::sha1, Bytes(80, 0xaa),
                  as_bytes("Test Using Larger Than Block-Size Key - Hash Key First")),
             "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

// RFC 4231 section 4.2, test case 1.
TEST(Hmac, Rfc4231Case1) {
  const Bytes key(20, 0x0b);
  const auto data = as_bytes("Hi There");
  EXPECT_HEX(hmac(HashAlg::sha224, key, data), "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22");
  EXPECT_HEX(hmac(HashAlg::sha256, key, data),
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_HEX(
      hmac(HashAlg::sha384, key, data),
      "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6");
  EXPECT_HEX(hmac(HashAlg::sha512, key, data),
             "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
             "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
}

// RFC 4231 section 4.3, test case 2 (key shorter than the output).
TEST(Hmac, Rfc4231Case2) {
  const auto key = as_bytes("Jefe");
  const auto data = as_bytes("what do ya want for nothing?");
  EXPECT_HEX(hmac(HashAlg::sha224, key, data), "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44");
  EXPECT_HEX(hmac(HashAlg::sha256, key, data),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_HEX(
      hmac(HashAlg::sha384, key, data),
      "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
  EXPECT_HEX(hmac(HashAlg::sha512, key, data),
             "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
             "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

// RFC 4231 section 4.6, test case 5: output truncated to 128 bits by the caller.
TEST(Hmac, Rfc4231Case5Truncated) {
  const Bytes tag = hmac(HashAlg::sha256, Bytes(20, 0x0c), as_bytes("Test With Truncation"));
  EXPECT_HEX(ByteView(tag).first(16), "a3b6167473100ee06e0c796c2955552b");
}

// RFC 4231 section 4.7, test case 6: a 131-byte key, longer than the block, is hashed first.
TEST(Hmac, Rfc4231Case6LongKey) {
  const Bytes key(131, 0xaa);
  const auto data = as_bytes("Test Using Larger Than Block-Size Key - Hash Key First");
  EXPECT_HEX(hmac(HashAlg::sha256, key, data),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_HEX(hmac(HashAlg::sha512, key, data),
             "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
             "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
}

// An empty key is HMAC with an all-zero block key (RFC 2104 section 2): it must equal the
// result for an explicit zero key of any length up to the block size.
TEST(Hmac, EmptyKeyEqualsZeroKey) {
  const auto data = as_bytes("data");
  EXPECT_EQ(hmac(HashAlg::sha256, {}, data), hmac(HashAlg::sha256, Bytes(32, 0), data));
  EXPECT_NE(hmac(HashAlg::sha256, {}, data), hmac(HashAlg::sha256, Bytes{1}, data));
}

TEST(Hmac, UnknownAlgorithmFailsClosed) {
  EXPECT_THROW(hmac(static_cast<HashAlg>(9), as_bytes("k"), as_bytes("d")), Error);
}

}  // namespace
}  // namespace sesame::crypto
