// The DGI format and the K-DEK encryption of DGI values used by GP STORE DATA (iso7816/gp_dgi.h).
#include "iso7816/gp_dgi.h"

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/hex.h"

namespace sesame::iso7816::gp {
namespace {

TEST(GpDgiTest, ShortAndLongLengths) {
  EXPECT_EQ(to_hex(encode_dgi(0x0102, from_hex("AABB"))), "010202AABB");
  EXPECT_EQ(to_hex(encode_dgi(0x8101, {})), "810100");
  const Bytes long_value(0xFF, 0x11);
  const Bytes enc = encode_dgi(0x0200, long_value);
  EXPECT_EQ(to_hex(ByteView(enc).first(5)), "0200FF00FF") << "FE is the last short length; FF introduces 2 bytes";
  EXPECT_EQ(to_hex(ByteView(encode_dgi(0x0200, Bytes(0xFE, 0))).first(3)), "0200FE");
  Bytes all = from_hex("010202AABB810100");
  append(all, enc);
  const auto dgis = parse_dgis(all);
  ASSERT_EQ(dgis.size(), 3u);
  EXPECT_EQ(dgis[0].tag, 0x0102);
  EXPECT_EQ(to_hex(dgis[0].value.view()), "AABB");
  EXPECT_EQ(dgis[1].tag, 0x8101);
  EXPECT_TRUE(dgis[1].value.empty());
  EXPECT_EQ(dgis[2].value.reveal(), long_value);
  EXPECT_TRUE(parse_dgis({}).empty());
  EXPECT_THROW(encode_dgi(1, Bytes(0x10000, 0)), Error);
}

TEST(GpDgiTest, MalformedDataIsAParseError) {
  for (const char* bad : {"01", "0102", "010203AABB", "0102FF00", "0102FF0003AABBCC", "0102FF01"}) {
    try {
      parse_dgis(from_hex(bad));
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::parse) << bad;
    }
  }
}

// "9876" || 80 00.. encrypted with the GP test key as K-DEK, zero ICV: see EncryptedValues.
constexpr const char* kOpensslVector = "430B6FCEC13EB9D99A420062F9BBAB10";

TEST(GpDgiTest, EncryptedValues) {
  const Bytes dek = from_hex("404142434445464748494A4B4C4D4E4F");
  // Cross-checked with the OpenSSL command line (an independent implementation):
  //   printf '\x39\x38\x37\x36\x80\0\0\0\0\0\0\0\0\0\0\0' |
  //     openssl enc -aes-128-cbc -nopad -K 404142434445464748494A4B4C4D4E4F -iv 00000000000000000000000000000000 | xxd -p
  EXPECT_EQ(to_hex(encrypt_dgi_value(dek, from_hex("39383736"))), kOpensslVector);
  EXPECT_EQ(to_hex(decrypt_dgi_value(dek, from_hex(kOpensslVector)).view()), "39383736");
  EXPECT_EQ(encrypt_dgi_value(dek, Bytes(16, 0x01)).size(), 32u) << "method 2 always pads";
  EXPECT_EQ(decrypt_dgi_value(dek, encrypt_dgi_value(dek, {})).size(), 0u);
  for (const Bytes& bad : {Bytes{}, Bytes(15, 0), Bytes(16, 0)}) {
    try {
      decrypt_dgi_value(dek, bad);
      ADD_FAILURE() << to_hex(bad);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::parse);
    }
  }
}

}  // namespace
}  // namespace sesame::iso7816::gp
