// The HCE cache digest (iso7816/emv_cache_digest.h) that the card's CHECK STATIC DATA and the cache
// both compute. Not a published vector (the digest is sesame's own): the expected values were
// computed independently with Python's hashlib (sha256 over each item prefixed with its 2-byte
// big-endian length), not with this code.
#include "iso7816/emv_cache_digest.h"

#include <gtest/gtest.h>

#include "util/hex.h"

namespace sesame::iso7816::emv {
namespace {

TEST(EmvCacheDigest, MatchesAnIndependentComputation) {
  EXPECT_EQ(to_hex(cache_digest(from_hex("6F038401AA"), from_hex("7708820200809402080101"),
                                {from_hex("7003570101"), Bytes{}})),
            "3252BD95BEBDE6921F1137694580D59F9A3944FA4965A3D474BEA671D25109DB");
  EXPECT_EQ(to_hex(cache_digest({}, {}, {})), "DF3F619804A92FDB4057192DC43DD748EA778ADC52BC498CE80524C014B81119");
}

TEST(EmvCacheDigest, ItemBoundariesCount) {
  // The same bytes cut differently give different digests (the length prefixes).
  EXPECT_NE(cache_digest(from_hex("6F01"), from_hex("AA"), {}), cache_digest(from_hex("6F"), from_hex("01AA"), {}));
  EXPECT_NE(cache_digest({}, {}, {Bytes{}}), cache_digest({}, {}, {}));
}

}  // namespace
}  // namespace sesame::iso7816::emv
