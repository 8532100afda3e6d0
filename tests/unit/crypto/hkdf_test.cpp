#include "crypto/hkdf.h"

#include <gtest/gtest.h>

#include "crypto/hmac.h"
#include "../common/expect_errc.h"
#include "hex_expect.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::crypto {
namespace {

struct Rfc5869Case {
  const char* name;
  HashAlg alg;
  Bytes ikm, salt, info;
  std::size_t length;
  const char* prk;
  const char* okm;
};

// RFC 5869 Appendix A, test cases 1, 3 (SHA-256) and 4, 7 (SHA-1). Cases 3 and 7 have no salt.
const Rfc5869Case kCases[] = {
    {"A.1", HashAlg::sha256, Bytes(22, 0x0b), from_hex("000102030405060708090a0b0c"),
     from_hex("f0f1f2f3f4f5f6f7f8f9"), 42, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
    {"A.3",
     HashAlg::sha256,
     Bytes(22, 0x0b),
     {},
     {},
     42,
     "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
    {"A.4", HashAlg::sha1, Bytes(11, 0x0b), from_hex("000102030405060708090a0b0c"),
     from_hex("f0f1f2f3f4f5f6f7f8f9"), 42, "9b6c18c432a7bf8f0e71c8eb88f4b30baa2ba243",
     "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896"},
    {"A.7",
     HashAlg::sha1,
     Bytes(22, 0x0c),
     {},
     {},
     42,
     "2adccada18779e7c2077ad2eb19d3f3e731385dd",
     "2c91117204d745f3500d636a62f64f0ab3bae548aa53d423b0d1f27ebba6f5e5673a081d70cce7acfc48"},
};

TEST(Hkdf, Rfc5869AppendixA) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    const SecureBytes prk = hkdf_extract(c.alg, c.salt, c.ikm);
    EXPECT_HEX(prk, c.prk);
    EXPECT_HEX(hkdf_expand(c.alg, prk.view(), c.info, c.length), c.okm);
    EXPECT_HEX(hkdf(c.alg, c.salt, c.ikm, c.info, c.length), c.okm);
  }
}

// RFC 5869 A.1 again: a shorter output is a prefix of the longer one (T(1) || T(2) ...).
TEST(Hkdf, ShorterOutputIsPrefix) {
  const auto& c = kCases[0];
  EXPECT_HEX(hkdf(c.alg, c.salt, c.ikm, c.info, 10), "3cb25f25faacd57a9043");
}

// RFC 5869 section 2.2: PRK = HMAC-Hash(salt, IKM), an absent salt being HashLen zeros; this
// also covers an empty IKM, which no Appendix A case has.
TEST(Hkdf, ExtractIsHmacWithZeroSaltDefault) {
  EXPECT_EQ(hkdf_extract(HashAlg::sha256, {}, {}).reveal(), hmac(HashAlg::sha256, Bytes(32, 0), {}));
  const auto ikm = as_bytes("input keying material");
  EXPECT_EQ(hkdf_extract(HashAlg::sha384, {}, ikm).reveal(), hmac(HashAlg::sha384, Bytes(48, 0), ikm));
  EXPECT_EQ(hkdf_extract(HashAlg::sha512, as_bytes("salt"), ikm).reveal(),
            hmac(HashAlg::sha512, as_bytes("salt"), ikm));
}

TEST(Hkdf, RejectsBadLengths) {
  const Bytes prk(32, 0x01);
  EXPECT_THROW(hkdf_expand(HashAlg::sha256, prk, {}, 0), Error);
  EXPECT_THROW(hkdf_expand(HashAlg::sha256, prk, {}, 255 * 32 + 1), Error);
  EXPECT_EQ(hkdf_expand(HashAlg::sha256, prk, {}, 255 * 32).size(), 255u * 32u);
  EXPECT_THROW(hkdf_expand(HashAlg::sha256, Bytes(31, 0x01), {}, 16), Error);  // PRK < HashLen
  EXPECT_THROW(hkdf(HashAlg::sha1, {}, prk, {}, 255 * 20 + 1), Error);
  test::expect_errc(Errc::invalid_argument, [&] { hkdf(HashAlg::sha256, {}, prk, {}, 0); });
}

}  // namespace
}  // namespace sesame::crypto
