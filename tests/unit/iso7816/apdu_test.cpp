#include "iso7816/apdu.h"

#include <gtest/gtest.h>

#include <string>

#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"

#include "../common/filled.h"

namespace sesame::iso7816 {
namespace {

using test::filled;

void expect_malformed(const Bytes& raw, const std::string& needle) {
  SCOPED_TRACE(to_hex(raw));
  try {
    CommandApdu::parse(raw);
    ADD_FAILURE() << "parsed a malformed APDU";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::parse);
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

void expect_same(const CommandApdu& a, const CommandApdu& b) {
  EXPECT_EQ(a.cla, b.cla);
  EXPECT_EQ(a.ins, b.ins);
  EXPECT_EQ(a.p1, b.p1);
  EXPECT_EQ(a.p2, b.p2);
  EXPECT_EQ(a.data, b.data);
  EXPECT_EQ(a.ne, b.ne);
  EXPECT_EQ(a.extended, b.extended);
}

}  // namespace

// Cases per ISO/IEC 7816-3 §12.1.3 and ISO/IEC 7816-4 §5.1 Table 1; the commands are the
// standard ones (MANAGE CHANNEL, GET CHALLENGE, VERIFY, SELECT) as ISO/IEC 7816-4 §11 codes them.
TEST(CommandApdu, Case1) {
  const Bytes raw = from_hex("00708001");  // MANAGE CHANNEL close channel 1
  const auto c = CommandApdu::parse(raw);
  EXPECT_EQ(c.cla, 0x00);
  EXPECT_EQ(c.ins, 0x70);
  EXPECT_EQ(c.p1, 0x80);
  EXPECT_EQ(c.p2, 0x01);
  EXPECT_TRUE(c.data.empty());
  EXPECT_EQ(c.ne, 0u);
  EXPECT_FALSE(c.extended);
  EXPECT_EQ(c.apdu_case(), 1);
  EXPECT_EQ(c.encode(), raw);
}

TEST(CommandApdu, Case2Short) {
  auto c = CommandApdu::parse(from_hex("0084000008"));  // GET CHALLENGE, 8 bytes
  EXPECT_EQ(c.ins, 0x84);
  EXPECT_EQ(c.ne, 8u);
  EXPECT_TRUE(c.data.empty());
  EXPECT_EQ(c.apdu_case(), 2);
  EXPECT_FALSE(c.extended);
  EXPECT_EQ(c.encode(), from_hex("0084000008"));

  c = CommandApdu::parse(from_hex("00B0000000"));  // READ BINARY, Le=00 means 256
  EXPECT_EQ(c.ne, 256u);
  EXPECT_EQ(c.encode(), from_hex("00B0000000"));
}

TEST(CommandApdu, Case3Short) {
  const Bytes raw = from_hex("0020008106313233343536");  // VERIFY PIN "123456"
  const auto c = CommandApdu::parse(raw);
  EXPECT_EQ(c.p2, 0x81);
  EXPECT_EQ(c.data, from_hex("313233343536"));
  EXPECT_EQ(c.ne, 0u);
  EXPECT_EQ(c.apdu_case(), 3);
  EXPECT_EQ(c.encode(), raw);

  const Bytes full = concat({from_hex("00DA0000FF"), filled(255, 1)});  // largest short Lc
  EXPECT_EQ(CommandApdu::parse(full).data.size(), 255u);
  EXPECT_FALSE(CommandApdu::parse(full).extended);
}

TEST(CommandApdu, Case4Short) {
  // SELECT the Visa AID by DF name, Le=00 (EMV Book 1 v4.3 §11.3.2).
  const Bytes raw = from_hex("00A4040007A000000003101000");
  const auto c = CommandApdu::parse(raw);
  EXPECT_EQ(c.ins, 0xA4);
  EXPECT_EQ(c.p1, 0x04);
  EXPECT_EQ(c.data, from_hex("A0000000031010"));
  EXPECT_EQ(c.ne, 256u);
  EXPECT_EQ(c.apdu_case(), 4);
  EXPECT_FALSE(c.extended);
  EXPECT_EQ(c.encode(), raw);
  EXPECT_EQ(CommandApdu::parse(from_hex("00A4040C02011C10")).ne, 0x10u);
}

TEST(CommandApdu, Case2Extended) {
  auto c = CommandApdu::parse(from_hex("00B00000000000"));  // Le=0000 means 65536
  EXPECT_TRUE(c.extended);
  EXPECT_EQ(c.ne, 65536u);
  EXPECT_EQ(c.apdu_case(), 2);
  EXPECT_EQ(c.encode(), from_hex("00B00000000000"));

  c = CommandApdu::parse(from_hex("00B000000001F4"));
  EXPECT_EQ(c.ne, 500u);
  EXPECT_EQ(c.encode(), from_hex("00B000000001F4"));
  // An extended Le of 1 is still case 2E: seven bytes decide it, not the value.
  c = CommandApdu::parse(from_hex("00B00000000001"));
  EXPECT_TRUE(c.extended);
  EXPECT_EQ(c.ne, 1u);
  EXPECT_TRUE(c.data.empty());
  EXPECT_EQ(c.encode(), from_hex("00B00000000001"));
}

TEST(CommandApdu, Case3Extended) {
  const Bytes data = filled(256, 7);
  const Bytes raw = concat({from_hex("00DA0000000100"), data});
  ASSERT_EQ(raw.size(), 7u + 256u);
  const auto c = CommandApdu::parse(raw);
  EXPECT_TRUE(c.extended);
  EXPECT_EQ(c.data, data);
  EXPECT_EQ(c.ne, 0u);
  EXPECT_EQ(c.apdu_case(), 3);
  EXPECT_EQ(c.encode(), raw);
  // One data byte in the extended form.
  const auto one = CommandApdu::parse(from_hex("00DA0000000001AA"));
  EXPECT_EQ(one.data, from_hex("AA"));
  EXPECT_TRUE(one.extended);
  EXPECT_EQ(one.encode(), from_hex("00DA0000000001AA"));
}

TEST(CommandApdu, Case4Extended) {
  // PERFORM SECURITY OPERATION: DECIPHER with a 257-byte cryptogram (padding indicator + RSA-2048).
  const Bytes data = filled(257, 0x30);
  const Bytes raw = concat({from_hex("002A8086000101"), data, from_hex("0000")});
  const auto c = CommandApdu::parse(raw);
  EXPECT_TRUE(c.extended);
  EXPECT_EQ(c.data, data);
  EXPECT_EQ(c.ne, 65536u);
  EXPECT_EQ(c.apdu_case(), 4);
  EXPECT_EQ(c.encode(), raw);

  const Bytes small = from_hex("00A40400000007A00000000310100200");
  const auto s = CommandApdu::parse(small);
  EXPECT_TRUE(s.extended);
  EXPECT_EQ(s.data, from_hex("A0000000031010"));
  EXPECT_EQ(s.ne, 0x200u);
  EXPECT_EQ(s.encode(), small);  // stays extended although it would fit the short form
}

TEST(CommandApdu, RejectsEveryMalformedLength) {
  expect_malformed({}, "shorter than a header (0 bytes)");
  expect_malformed(from_hex("00"), "shorter than a header");
  expect_malformed(from_hex("00A404"), "shorter than a header (3 bytes)");
  // Short Lc that does not account for the bytes.
  expect_malformed(from_hex("00A4040002AA"), "Lc=2 does not match 6 bytes");
  expect_malformed(from_hex("00A4040007A0000000031010000000"), "Lc=7 does not match 15 bytes");
  expect_malformed(from_hex("00A4040007A00000000310"), "Lc=7 does not match");
  expect_malformed(from_hex("0020008101313200"), "Lc=1 does not match");
  // B1 = 00 opens the extended form: 6 bytes is a truncated Le/Lc field.
  expect_malformed(from_hex("00B0000000AA"), "truncated extended length field");
  // Extended Lc of zero is not a valid case 3E/4E.
  expect_malformed(from_hex("00DA0000000000AA"), "extended Lc of zero");
  expect_malformed(from_hex("00DA000000000000"), "extended Lc of zero");
  expect_malformed(from_hex("00DA00000000000000"), "extended Lc of zero");
  // Extended Lc that does not account for the bytes.
  expect_malformed(from_hex("00DA0000000003AABB"), "extended Lc=3 does not match 9 bytes");
  expect_malformed(from_hex("00DA0000000003AABBCC00"), "extended Lc=3 does not match 11 bytes");  // 1-byte Le
  expect_malformed(from_hex("00DA0000000003AABBCC000000"), "extended Lc=3 does not match 13 bytes");
  expect_malformed(concat({from_hex("00DA00000001FF"), filled(256, 0)}), "extended Lc=511");
  // A short Lc followed by an extended Le (mixing forms) is refused.
  expect_malformed(from_hex("00A4040001AA0100"), "Lc=1 does not match 8 bytes");
}

TEST(CommandApdu, EncodeChoosesForm) {
  CommandApdu c;
  c.ins = 0xB0;
  c.ne = 256;
  EXPECT_EQ(c.encode(), from_hex("00B0000000"));
  c.ne = 257;
  EXPECT_EQ(c.encode(), from_hex("00B00000000101"));
  c.ne = 65536;
  EXPECT_EQ(c.encode(), from_hex("00B00000000000"));
  c.ne = 65537;
  EXPECT_THROW(c.encode(), Error);

  CommandApdu d;
  d.ins = 0xDA;
  d.data = filled(255, 0);
  EXPECT_EQ(d.encode()[4], 0xFF);
  d.data = filled(256, 0);
  const Bytes head = d.encode();
  EXPECT_EQ(Bytes(head.begin(), head.begin() + 7), from_hex("00DA0000000100"));
  d.ne = 256;  // Le in extended form: 0100
  const Bytes e = d.encode();
  EXPECT_EQ(Bytes(e.end() - 2, e.end()), from_hex("0100"));
  d.data = Bytes(65536, 0);
  try {
    d.encode();
    ADD_FAILURE() << "Nc 65536 encoded";
  } catch (const Error& err) {
    EXPECT_EQ(err.code(), Errc::invalid_argument);
  }

  CommandApdu ext;  // case 1 has no extended form, whatever the flag says
  ext.ins = 0x70;
  ext.extended = true;
  EXPECT_EQ(ext.encode(), from_hex("00700000"));
  ext.ne = 16;
  EXPECT_EQ(ext.encode(), from_hex("00700000000010"));
}

TEST(CommandApdu, EncodeParseRoundTrip) {
  for (std::size_t nc : {0, 1, 2, 255, 256, 4000, 65535}) {
    for (std::size_t ne : {0, 1, 255, 256, 257, 65535, 65536}) {
      for (bool extended : {false, true}) {
        SCOPED_TRACE(std::to_string(nc) + "/" + std::to_string(ne) + "/" + std::to_string(extended));
        CommandApdu c;
        c.cla = 0x0C;
        c.ins = 0x2A;
        c.p1 = 0x9E;
        c.p2 = 0x9A;
        c.data = filled(nc, 0x41);
        c.ne = ne;
        c.extended = extended;
        const auto back = CommandApdu::parse(c.encode());
        // The parsed form says which encoding was used: short only when everything fits.
        CommandApdu want = c;
        want.extended = (nc != 0 || ne != 0) && (extended || nc > 255 || ne > 256);
        expect_same(back, want);
        EXPECT_EQ(back.encode(), c.encode());
      }
    }
  }
}

// CLA coding per ISO/IEC 7816-4 §5.4.1 Tables 2 and 3.
TEST(CommandApdu, ClaChannelCoding) {
  const auto ch = [](std::uint8_t cla) {
    CommandApdu c;
    c.cla = cla;
    return c;
  };
  for (int n = 0; n < 4; ++n) EXPECT_EQ(ch(static_cast<std::uint8_t>(n)).channel(), n);
  for (int n = 4; n < 20; ++n) {
    EXPECT_EQ(ch(static_cast<std::uint8_t>(0x40 + n - 4)).channel(), n);
    EXPECT_EQ(ch(static_cast<std::uint8_t>(0x60 + n - 4)).channel(), n);  // with SM
  }
  EXPECT_EQ(ch(0x0C).channel(), 0);
  EXPECT_EQ(ch(0x1F).channel(), 3);
  EXPECT_EQ(ch(0x80).channel(), 0);  // GlobalPlatform 8x
  EXPECT_EQ(ch(0x87).channel(), 3);
  EXPECT_EQ(ch(0xC5).channel(), 9);  // GlobalPlatform Cx/Ex for channels 4-19
  EXPECT_EQ(ch(0xFF).channel(), -1);
  EXPECT_EQ(ch(0x20).channel(), -1);  // 001x xxxx is reserved
  EXPECT_EQ(ch(0x3F).channel(), -1);

  EXPECT_TRUE(ch(0x10).chained());
  EXPECT_TRUE(ch(0x50).chained());
  EXPECT_FALSE(ch(0x0F).chained());
  EXPECT_FALSE(ch(0xFF).chained());
  EXPECT_TRUE(ch(0x04).secure_messaging());
  EXPECT_TRUE(ch(0x08).secure_messaging());
  EXPECT_TRUE(ch(0x0C).secure_messaging());
  EXPECT_FALSE(ch(0x03).secure_messaging());
  EXPECT_TRUE(ch(0x60).secure_messaging());
  EXPECT_FALSE(ch(0x4C).secure_messaging());  // channel 16: b4-b3 are channel bits here
  EXPECT_FALSE(ch(0xFF).secure_messaging());
}

TEST(CommandApdu, ClaWithChannel) {
  EXPECT_EQ(cla_with_channel(0x00, 0), 0x00);
  EXPECT_EQ(cla_with_channel(0x00, 3), 0x03);
  EXPECT_EQ(cla_with_channel(0x02, 1), 0x01);
  EXPECT_EQ(cla_with_channel(0x00, 4), 0x40);
  EXPECT_EQ(cla_with_channel(0x00, 19), 0x4F);
  EXPECT_EQ(cla_with_channel(0x10, 4), 0x50);   // chaining kept
  EXPECT_EQ(cla_with_channel(0x0C, 2), 0x0E);   // SM with header authentication kept
  EXPECT_EQ(cla_with_channel(0x0C, 5), 0x61);   // SM becomes b6 in the further class
  EXPECT_EQ(cla_with_channel(0x08, 5), 0x61);
  EXPECT_EQ(cla_with_channel(0x61, 1), 0x09);   // further SM back to "10" (header not processed)
  EXPECT_EQ(cla_with_channel(0x4F, 0), 0x00);   // b4-b1 of 4F are channel bits, not SM/channel
  EXPECT_EQ(cla_with_channel(0x4C, 2), 0x02);
  EXPECT_EQ(cla_with_channel(0x44, 8), 0x44);   // no SM invented from channel bits
  EXPECT_EQ(cla_with_channel(0x5F, 4), 0x50);
  EXPECT_EQ(cla_with_channel(0x80, 19), 0xCF);  // GlobalPlatform Card Spec v2.3 §11.1.4
  EXPECT_EQ(cla_with_channel(0x84, 4), 0xE0);
  EXPECT_EQ(cla_with_channel(0xE0, 0), 0x84);
  EXPECT_EQ(cla_with_channel(0xC3, 1), 0x81);
  for (int bad : {-1, 20, 255}) EXPECT_THROW(cla_with_channel(0x00, bad), Error);
  EXPECT_THROW(cla_with_channel(0xFF, 0), Error);
  EXPECT_THROW(cla_with_channel(0x20, 1), Error);

  // Every class with channel coding keeps chaining and SM indication on every channel.
  for (int cla = 0; cla < 256; ++cla) {
    CommandApdu src;
    src.cla = static_cast<std::uint8_t>(cla);
    if (src.channel() < 0) continue;
    for (int n = 0; n < 20; ++n) {
      if (src.cla & 0x80 && src.chained() && src.secure_messaging() && n == 19) {
        EXPECT_THROW(cla_with_channel(src.cla, n), Error);  // would be FF, the invalid class
        continue;
      }
      CommandApdu dst;
      dst.cla = cla_with_channel(src.cla, n);
      ASSERT_EQ(dst.channel(), n) << std::hex << cla;
      ASSERT_EQ(dst.chained(), src.chained()) << std::hex << cla;
      ASSERT_EQ(dst.secure_messaging(), src.secure_messaging()) << std::hex << cla << " " << std::dec << n;
      ASSERT_EQ(dst.cla & 0x80, src.cla & 0x80);
    }
  }
}

TEST(ResponseApdu, ParseAndEncode) {
  auto r = ResponseApdu::parse(from_hex("9000"));
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.data.empty());
  r = ResponseApdu::parse(from_hex("01026A82"));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.data, from_hex("0102"));
  EXPECT_EQ(r.sw, 0x6A82);
  EXPECT_EQ(r.sw1(), 0x6A);
  EXPECT_EQ(r.sw2(), 0x82);
  EXPECT_EQ(r.encode(), from_hex("01026A82"));
  EXPECT_THROW(ResponseApdu::parse(from_hex("90")), Error);
  EXPECT_THROW(ResponseApdu::parse({}), Error);
}

TEST(StatusWord, Names) {
  EXPECT_EQ(sw_name(0x9000), "9000 success");
  EXPECT_EQ(sw_name(sw_value(Sw::file_not_found)), "6A82 file or application not found");
  EXPECT_EQ(sw_name(0x6982), "6982 security status not satisfied");
  EXPECT_EQ(sw_name(0x6700), "6700 wrong length");
  EXPECT_EQ(sw_name(0x6D00), "6D00 instruction code not supported or invalid");
  EXPECT_EQ(sw_name(sw_bytes_remaining(0x10)), "6110 16 bytes still available");
  EXPECT_EQ(sw_name(sw_bytes_remaining(0x00)), "6100 256 bytes still available");
  EXPECT_EQ(sw_name(sw_wrong_le(0x20)), "6C20 wrong Le field; exact length is 32");
  EXPECT_EQ(sw_name(sw_tries_left(2)), "63C2 verification failed, 2 tries left");
  EXPECT_EQ(sw_name(0x63C0), "63C0 verification failed, 0 tries left");
  EXPECT_EQ(sw_name(0x6300), "6300 verification failed");
  EXPECT_EQ(sw_name(0x1234), "1234 unknown status");
  EXPECT_EQ(sw_name(0x6A8F), "6A8F unknown status");
  EXPECT_EQ(sw_tries_left(0x1F), 0x63CF);  // the count is four bits

  try {
    throw_sw(Sw::conditions_not_satisfied);
  } catch (const SwError& e) {
    EXPECT_EQ(e.sw(), 0x6985);
  }
}

}  // namespace sesame::iso7816
