// The manifest encoding (store/manifest.h): round trip, and every malformed form refused with
// Errc::integrity, including the non-canonical key order the manifest fuzzer found.
#include "store/manifest.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "util/hex.h"

namespace sesame::store {
namespace {

using test::expect_errc;

Bytes entry(std::string_view key, std::uint64_t version) {
  Bytes b;
  put_u16(b, static_cast<std::uint16_t>(key.size()));
  append(b, as_bytes(key));
  put_u64(b, version);
  return b;
}

Bytes header(std::uint64_t counter, std::uint32_t count) {
  Bytes b = {'S', 'M', 'F', '1'};
  put_u64(b, counter);
  put_u32(b, count);
  return b;
}

TEST(Manifest, RoundTripIsByteExact) {
  Manifest m;
  m.counter = 7;
  m.versions = {{"card/state", 1}, {"A000000151000000/pin", 7}, {std::string("\0x", 2), 0}};
  const SecureBytes enc = encode_manifest(m);
  const Manifest back = decode_manifest(enc.view(), "c");
  EXPECT_EQ(back.counter, 7u);
  EXPECT_EQ(back.versions, m.versions);
  EXPECT_EQ(encode_manifest(back), enc);
  // The documented layout: "SMF1" || counter u64 || count u32 || entries in key order.
  EXPECT_EQ(to_hex(encode_manifest(Manifest{3, {{"a", 2}, {"b", 3}}}).view()),
            to_hex(concat({header(3, 2), entry("a", 2), entry("b", 3)})));
}

TEST(Manifest, MalformedIsIntegrity) {
  const Bytes good = concat({header(3, 2), entry("a", 2), entry("b", 3)});
  EXPECT_NO_THROW(decode_manifest(good, "c"));
  const std::vector<Bytes> bad = {
      {},
      Bytes(good.begin(), good.end() - 1),                    // truncated
      concat({good, Bytes{0}}),                               // trailing byte
      concat({Bytes{'S', 'M', 'F', '2'}, Bytes(good.begin() + 4, good.end())}),  // magic
      concat({header(3, 2), entry("a", 4), entry("b", 3)}),   // version above the counter
      concat({header(3, 2), entry("a", 2), entry("a", 3)}),   // duplicate key
      concat({header(3, 2), entry("b", 3), entry("a", 2)}),   // keys out of order (fuzzer finding)
      concat({header(3, 3), entry("a", 2), entry("b", 3)}),   // count says more than there is
      header(1, 0xFFFFFFFF),                                  // count no input could hold
  };
  for (const auto& b : bad) {
    SCOPED_TRACE(to_hex(b));
    expect_errc(Errc::integrity, [&] { decode_manifest(b, "c"); });
  }
}

}  // namespace
}  // namespace sesame::store
