// PUT KEY key data for SCP03 (GP Card Specification 2.3 §11.8.2.3, Amendment D). No published
// PUT KEY vectors were found; the key check values and the encrypted key component below were
// computed independently with the OpenSSL command line:
//   printf '\x01%.0s' $(seq 16) | openssl enc -aes-128-ecb -K <key> -nopad | xxd -p   (KCV: first 3 bytes)
//   echo 00..0F | xxd -r -p | openssl enc -aes-128-cbc -K <DEK> -iv 00..00 -nopad | xxd -p
#include "iso7816/gp_key_data.h"

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/hex.h"

namespace sesame::iso7816::gp {
namespace {

const Bytes kTestKey = from_hex("404142434445464748494A4B4C4D4E4F");

scp03::StaticKeys keys_of(const std::string& enc, const std::string& mac, const std::string& dek) {
  return {SecureBytes(from_hex(enc)), SecureBytes(from_hex(mac)), SecureBytes(from_hex(dek))};
}

TEST(GpKeyData, KeyCheckValuesMatchOpenSsl) {
  EXPECT_EQ(to_hex(key_check_value(kTestKey)), "504A77");
  EXPECT_EQ(to_hex(key_check_value(from_hex("000102030405060708090A0B0C0D0E0F1011121314151617"))), "38FCB6");
  EXPECT_EQ(to_hex(key_check_value(from_hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"))), "75E208");
}

TEST(GpKeyData, EncodingMatchesOpenSsl) {
  const auto k = keys_of("000102030405060708090A0B0C0D0E0F", "000102030405060708090A0B0C0D0E0F", "000102030405060708090A0B0C0D0E0F");
  const Bytes d = encode_put_key_data(0x31, k, kTestKey);
  // new KVN, then per key: 88 11 10 <AES-CBC(DEK, 0, key)> 03 <KCV>
  const std::string field = "881110" "3D0FA4B855D2A5AA4954B8B5DF582A3A" "03" + to_hex(key_check_value(k.enc.view()));
  EXPECT_EQ(to_hex(d), "31" + field + field + field);
}

TEST(GpKeyData, RoundTripEveryLength) {
  for (std::size_t n : {16u, 24u, 32u}) {
    scp03::StaticKeys k{SecureBytes(Bytes(n, 0x11)), SecureBytes(Bytes(n, 0x22)), SecureBytes(Bytes(n, 0x33))};
    const PutKeyData d = decode_put_key_data(encode_put_key_data(0x42, k, kTestKey), kTestKey);
    EXPECT_EQ(d.new_kvn, 0x42);
    EXPECT_EQ(d.keys.enc.reveal(), Bytes(n, 0x11));
    EXPECT_EQ(d.keys.mac.reveal(), Bytes(n, 0x22));
    EXPECT_EQ(d.keys.dek.reveal(), Bytes(n, 0x33));
    EXPECT_EQ(d.check_values.size(), 9u);
  }
}

TEST(GpKeyData, Refusals) {
  const auto k = keys_of("000102030405060708090A0B0C0D0E0F", "101112131415161718191A1B1C1D1E1F", "202122232425262728292A2B2C2D2E2F");
  const Bytes good = encode_put_key_data(0x31, k, kTestKey);
  auto code = [&](Bytes d, ByteView dek) {
    try {
      decode_put_key_data(d, dek);
    } catch (const Error& e) {
      return e.code();
    }
    return Errc::internal;
  };
  EXPECT_EQ(code(good, Bytes(16, 0x00)), Errc::crypto) << "wrong DEK: the KCV does not match";
  Bytes bad = good;
  bad.back() ^= 0x01;
  EXPECT_EQ(code(bad, kTestKey), Errc::crypto) << "KCV";
  bad = good;
  bad[1] = 0x80;  // key type DES
  EXPECT_EQ(code(bad, kTestKey), Errc::invalid_argument);
  bad = good;
  bad.pop_back();
  EXPECT_EQ(code(bad, kTestKey), Errc::parse) << "truncated";
  bad = good;
  bad.push_back(0x00);
  EXPECT_EQ(code(bad, kTestKey), Errc::parse) << "trailing data";
  EXPECT_EQ(code(Bytes{0x31}, kTestKey), Errc::parse);
  const auto mixed = scp03::StaticKeys{SecureBytes(Bytes(16, 1)), SecureBytes(Bytes(32, 2)), SecureBytes(Bytes(16, 3))};
  EXPECT_EQ(code(encode_put_key_data(0x31, mixed, kTestKey), kTestKey), Errc::invalid_argument);
}

}  // namespace
}  // namespace sesame::iso7816::gp
