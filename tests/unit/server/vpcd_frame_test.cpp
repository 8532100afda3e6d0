#include "server/vpcd_frame.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "util/error.h"
#include "util/hex.h"

namespace sesame::server {
namespace {

// Frames as vsmartcard's vpcd writes them (virtualsmartcard/src/vpcd/vpcd.c sendToVICC: a
// uint16_t length in network byte order, then the data).
TEST(VpcdFrame, EncodesLengthBigEndian) {
  EXPECT_EQ(to_hex(encode_vpcd_frame(from_hex("04"))), "000104");
  EXPECT_EQ(to_hex(encode_vpcd_frame(from_hex("00A4040008F0534553414D4501"))),
            "000D00A4040008F0534553414D4501");
  EXPECT_EQ(to_hex(encode_vpcd_frame({})), "0000");
  Bytes big(300, 0xAB);
  const Bytes framed = encode_vpcd_frame(big);
  ASSERT_EQ(framed.size(), 302u);
  EXPECT_EQ(framed[0], 0x01);
  EXPECT_EQ(framed[1], 0x2C);
  EXPECT_THROW(encode_vpcd_frame(Bytes(65536, 0)), Error);
  EXPECT_EQ(encode_vpcd_frame(Bytes(65535, 0)).size(), 65537u);
}

TEST(VpcdFrame, DecoderHandlesSplitsAndCoalescedFrames) {
  const Bytes stream = from_hex("0001 01 0001 04 0005 00A4040000 0001 00");
  // Byte by byte.
  VpcdFrameDecoder one;
  std::vector<Bytes> got;
  for (std::uint8_t b : stream) {
    one.feed(ByteView(&b, 1));
    while (auto p = one.next()) got.push_back(p->reveal());
  }
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(to_hex(got[0]), "01");
  EXPECT_EQ(to_hex(got[1]), "04");
  EXPECT_EQ(to_hex(got[2]), "00A4040000");
  EXPECT_EQ(to_hex(got[3]), "00");
  // All at once.
  VpcdFrameDecoder all;
  all.feed(stream);
  int n = 0;
  while (all.next()) ++n;
  EXPECT_EQ(n, 4);
  EXPECT_EQ(all.buffered(), 0u);
}

TEST(VpcdFrame, DecoderWaitsForTheWholePayload) {
  VpcdFrameDecoder d;
  d.feed(from_hex("00"));
  EXPECT_FALSE(d.next());
  d.feed(from_hex("05 00A404"));
  EXPECT_FALSE(d.next());
  EXPECT_EQ(d.buffered(), 5u);
  d.feed(from_hex("00 00 0001"));
  auto p = d.next();
  ASSERT_TRUE(p);
  EXPECT_EQ(to_hex(p->view()), "00A4040000");
  EXPECT_FALSE(d.next());
  EXPECT_EQ(d.buffered(), 2u);
}

// A VERIFY APDU carries the PIN: once handed out, no byte of it stays in the decoder's buffer,
// neither when its frame was the last nor when another frame follows in the same buffer.
TEST(VpcdFrame, DecoderZeroizesWhatItHandedOut) {
  const Bytes verify = from_hex("000D 0020008108 3132333435363738");  // PIN "12345678"
  const Bytes pin = from_hex("3132333435363738");
  const auto holds_pin = [&](ByteView storage) {
    return std::search(storage.begin(), storage.end(), pin.begin(), pin.end()) != storage.end();
  };
  VpcdFrameDecoder d;
  d.feed(concat({verify, from_hex("0005 00A404")}));  // VERIFY, then half of the next frame
  ASSERT_TRUE(holds_pin(d.storage()));
  auto p = d.next();
  ASSERT_TRUE(p);
  EXPECT_EQ(to_hex(p->view()), "00200081083132333435363738");
  EXPECT_FALSE(holds_pin(d.storage()));
  EXPECT_FALSE(d.next());
  for (std::size_t i = 0; i < 15; ++i) EXPECT_EQ(d.storage()[i], 0) << i;  // the whole consumed frame
  // Compaction moves the rest to the front and zeroizes the tail it leaves.
  d.feed(from_hex("0000"));
  EXPECT_EQ(d.buffered(), 7u);
  EXPECT_EQ(to_hex(d.storage()), "000500A40400" "00");
  ASSERT_TRUE(d.next());
  EXPECT_TRUE(d.storage().empty());
  // Byte by byte, the PIN never outlives its frame either.
  for (std::uint8_t b : verify) d.feed(ByteView(&b, 1));
  ASSERT_TRUE(d.next());
  EXPECT_FALSE(holds_pin(d.storage()));
}

TEST(VpcdFrame, ClassifiesPayloads) {
  const Bytes off = from_hex("00"), on = from_hex("01"), reset = from_hex("02"), atr = from_hex("04");
  EXPECT_EQ(parse_vpcd_payload(off).control, VpcdControl::power_off);
  EXPECT_EQ(parse_vpcd_payload(on).control, VpcdControl::power_on);
  EXPECT_EQ(parse_vpcd_payload(reset).control, VpcdControl::reset);
  EXPECT_EQ(parse_vpcd_payload(atr).control, VpcdControl::get_atr);
  EXPECT_EQ(parse_vpcd_payload(atr).kind, VpcdMessage::Kind::control);
  const Bytes apdu = from_hex("00A4");  // two bytes is already an APDU frame, however malformed
  const auto m = parse_vpcd_payload(apdu);
  EXPECT_EQ(m.kind, VpcdMessage::Kind::apdu);
  EXPECT_EQ(m.apdu.size(), 2u);
}

TEST(VpcdFrame, RefusesWhatVpcdNeverSends) {
  for (const char* bad : {"03", "05", "FF"}) {
    const Bytes b = from_hex(bad);
    try {
      parse_vpcd_payload(b);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::parse);
    }
  }
  EXPECT_THROW(parse_vpcd_payload({}), Error);
}

}  // namespace
}  // namespace sesame::server
