#include "crypto/aes_gcm.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "../common/expect_errc.h"
#include "hex_expect.h"
#include "util/hex.h"

namespace sesame::crypto {
namespace {

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B test cases
// (the test vectors NIST's GCM submission and SP 800-38D validation build on).
const Bytes kKeyTc3 = from_hex("feffe9928665731c6d6a8f9467308308");
const Bytes kIvTc3 = from_hex("cafebabefacedbaddecaf888");
const Bytes kPlainTc3 = from_hex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
const Bytes kAadTc4 = from_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");

// Test case 2: all-zero 128-bit key, IV and one block of plaintext.
TEST(AesGcm, McGrewViegaCase2) {
  const Bytes out = aes_gcm_encrypt(Bytes(16, 0), Bytes(12, 0), {}, Bytes(16, 0));
  EXPECT_HEX(out, "0388dace60b6a392f328c2b971b2fe78 ab6e47d42cec13bdf53a67b21257bddf");
}

// Test case 3: 128-bit key, 64 bytes of plaintext, no AAD.
TEST(AesGcm, McGrewViegaCase3) {
  const char* expected =
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"
      "4d5c2af327cd64a62cf35abd2ba6fab4";
  EXPECT_HEX(aes_gcm_encrypt(kKeyTc3, kIvTc3, {}, kPlainTc3), expected);
  EXPECT_EQ(aes_gcm_decrypt(kKeyTc3, kIvTc3, {}, from_hex(expected)).reveal(), kPlainTc3);
}

// Test case 4: as case 3 with 60 bytes of plaintext and 20 bytes of AAD.
TEST(AesGcm, McGrewViegaCase4) {
  const ByteView plain = ByteView(kPlainTc3).first(60);
  const char* expected =
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
      "5bc94fbc3221a5db94fae95ae7121a47";
  EXPECT_HEX(aes_gcm_encrypt(kKeyTc3, kIvTc3, kAadTc4, plain), expected);
  const SecureBytes back = aes_gcm_decrypt(kKeyTc3, kIvTc3, kAadTc4, from_hex(expected));
  EXPECT_EQ(back.reveal(), Bytes(plain.begin(), plain.end()));
}

// Test case 16: as case 4 with a 256-bit key.
TEST(AesGcm, McGrewViegaCase16) {
  const Bytes key = concat({kKeyTc3, kKeyTc3});
  EXPECT_HEX(aes_gcm_encrypt(key, kIvTc3, kAadTc4, ByteView(kPlainTc3).first(60)),
             "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
             "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
             "76fc6ece0f4e1768cddf8853bb2d551b");
}

// A refused tag is a verification failure: Errc::crypto (docs/DECISIONS.md D6). Errc::integrity
// is the store's, which maps a refused tag to it itself.
TEST(AesGcm, TamperingIsDetected) {
  const Bytes ct = aes_gcm_encrypt(kKeyTc3, kIvTc3, kAadTc4, ByteView(kPlainTc3).first(60));
  for (std::size_t i : {std::size_t{0}, ct.size() - 17, ct.size() - 1}) {  // ciphertext and tag bytes
    Bytes bad = ct;
    bad[i] ^= 0x01;
    test::expect_errc(Errc::crypto, [&] { aes_gcm_decrypt(kKeyTc3, kIvTc3, kAadTc4, bad); });
  }
  Bytes other_aad = kAadTc4;
  other_aad[0] ^= 0x80;
  test::expect_errc(Errc::crypto, [&] { aes_gcm_decrypt(kKeyTc3, kIvTc3, other_aad, ct); });
  test::expect_errc(Errc::crypto,
                    [&] { aes_gcm_decrypt(kKeyTc3, kIvTc3, kAadTc4, ByteView(ct).first(15)); });
}

// The prepared key gives the same known answers as the one-shot functions (McGrew & Viega test
// cases 2, 4 and 16), in both directions and for many messages in a row on one key.
TEST(AesGcmKey, McGrewViegaCases) {
  const AesGcmKey k2(Bytes(16, 0));
  EXPECT_HEX(k2.encrypt(Bytes(12, 0), {}, Bytes(16, 0)), "0388dace60b6a392f328c2b971b2fe78 ab6e47d42cec13bdf53a67b21257bddf");
  const char* tc4 =
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
      "5bc94fbc3221a5db94fae95ae7121a47";
  const AesGcmKey k3(kKeyTc3);
  for (int round = 0; round < 3; ++round) {  // the key's contexts are reused between calls
    EXPECT_HEX(k3.encrypt(kIvTc3, kAadTc4, ByteView(kPlainTc3).first(60)), tc4);
    EXPECT_EQ(k3.decrypt(kIvTc3, kAadTc4, from_hex(tc4)).reveal(), Bytes(kPlainTc3.begin(), kPlainTc3.begin() + 60));
  }
  const AesGcmKey k16(concat({kKeyTc3, kKeyTc3}));
  Bytes out(60 + kGcmTagSize);
  k16.encrypt_into(kIvTc3, kAadTc4, ByteView(kPlainTc3).first(60), out);
  EXPECT_HEX(out,
             "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
             "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
             "76fc6ece0f4e1768cddf8853bb2d551b");
}

TEST(AesGcmKey, RefusedTagIsNulloptOrCryptoAndTheKeyStaysUsable) {
  const AesGcmKey k(kKeyTc3);
  const Bytes ct = k.encrypt(kIvTc3, kAadTc4, kPlainTc3);
  Bytes bad = ct;
  bad.back() ^= 0x01;
  EXPECT_FALSE(k.try_decrypt(kIvTc3, kAadTc4, bad).has_value());
  EXPECT_FALSE(k.try_decrypt(kIvTc3, kAadTc4, ByteView(ct).first(15)).has_value());
  test::expect_errc(Errc::crypto, [&] { k.decrypt(kIvTc3, {}, ct); });
  // After refusals the same key still opens the genuine message.
  EXPECT_EQ(k.decrypt(kIvTc3, kAadTc4, ct).reveal(), kPlainTc3);
}

TEST(AesGcmKey, RejectsBadParameters) {
  test::expect_errc(Errc::invalid_argument, [] { AesGcmKey k(Bytes(15, 0)); });
  const AesGcmKey k(kKeyTc3);
  test::expect_errc(Errc::invalid_argument, [&] { k.encrypt(Bytes(8, 0), {}, kPlainTc3); });
  test::expect_errc(Errc::invalid_argument, [&] { k.try_decrypt(Bytes(16, 0), {}, Bytes(32, 0)); });
  Bytes small(kPlainTc3.size());  // no room for the tag
  test::expect_errc(Errc::invalid_argument, [&] { k.encrypt_into(kIvTc3, {}, kPlainTc3, small); });
}

// Several threads on one key: each call runs on its own context, so every result is right.
TEST(AesGcmKey, ConcurrentUseOfOneKey) {
  const AesGcmKey k(kKeyTc3);
  const Bytes expected = aes_gcm_encrypt(kKeyTc3, kIvTc3, kAadTc4, kPlainTc3);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (k.encrypt(kIvTc3, kAadTc4, kPlainTc3) != expected) ++wrong;
        auto back = k.try_decrypt(kIvTc3, kAadTc4, expected);
        if (!back || back->reveal() != kPlainTc3) ++wrong;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(AesGcm, RejectsBadParameters) {
  test::expect_errc(Errc::invalid_argument, [] { aes_gcm_encrypt(Bytes(15, 0), kIvTc3, {}, kPlainTc3); });
  test::expect_errc(Errc::invalid_argument, [] { aes_gcm_encrypt(kKeyTc3, Bytes(8, 0), {}, kPlainTc3); });
  test::expect_errc(Errc::invalid_argument, [] { aes_gcm_decrypt(kKeyTc3, Bytes(16, 0), {}, Bytes(32, 0)); });
}

}  // namespace
}  // namespace sesame::crypto
