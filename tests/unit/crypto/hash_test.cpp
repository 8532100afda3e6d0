#include "crypto/hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hex_expect.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

const std::string kAbc = "abc";
// FIPS 180-2 Appendix A/B two-block message (448 bits) and Appendix C/D message (896 bits).
const std::string k448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const std::string k896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrst"
    "nopqrstu";

// FIPS 180-2 (and the NIST "Cryptographic Standards and Guidelines: Examples with Intermediate
// Values" SHA pages): the digests of "abc".
TEST(Hash, FipsAbc) {
  EXPECT_HEX(sha1(as_bytes(kAbc)), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_HEX(sha224(as_bytes(kAbc)), "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
  EXPECT_HEX(sha256(as_bytes(kAbc)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_HEX(
      sha384(as_bytes(kAbc)),
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  EXPECT_HEX(sha512(as_bytes(kAbc)),
             "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
             "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

// FIPS 180-2 multi-block messages.
TEST(Hash, FipsMultiBlock) {
  EXPECT_HEX(hash(HashAlg::sha1, as_bytes(k448)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_HEX(hash(HashAlg::sha224, as_bytes(k448)),
             "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525");
  EXPECT_HEX(hash(HashAlg::sha256, as_bytes(k448)),
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_HEX(
      hash(HashAlg::sha384, as_bytes(k896)),
      "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039");
  EXPECT_HEX(hash(HashAlg::sha512, as_bytes(k896)),
             "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
             "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

// NIST CAVP SHA256ShortMsg.rsp, Len = 0.
TEST(Hash, EmptyMessage) {
  EXPECT_HEX(sha256({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// ICAO Doc 9303-11 Appendix D.2 (BAC key derivation): K_seed is the leftmost 16 bytes of
// SHA-1 over the MRZ information "L898902C<369080619406236".
TEST(Hash, Icao9303BacKeySeed) {
  const Bytes d = sha1(as_bytes("L898902C<369080619406236"));
  EXPECT_HEX(ByteView(d).first(16), "239AB9CB282DAF66231DC5A4DF6BFBAE");
}

// FIPS 180-2: one million repetitions of 'a', fed to the Hasher in uneven pieces.
TEST(Hash, HasherMillionA) {
  const std::string chunk(999, 'a');
  for (auto [alg, expected] : {
           std::pair{HashAlg::sha1, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
           std::pair{HashAlg::sha256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
       }) {
    Hasher h(alg);
    std::size_t left = 1000000;
    while (left > 0) {
      const std::size_t n = std::min(left, chunk.size());
      h.update(as_bytes(std::string_view(chunk).substr(0, n)));
      left -= n;
    }
    EXPECT_HEX(h.finish(), expected);
  }
}

TEST(Hash, HasherMatchesOneShotAndResetsAfterFinish) {
  Hasher h(HashAlg::sha384);
  h.update(as_bytes("abcdefghbcdefghicdefghijdefghijk")).update(as_bytes(k896.substr(32)));
  EXPECT_EQ(h.finish(), sha384(as_bytes(k896)));
  h.update(as_bytes(kAbc));  // a fresh message after finish()
  EXPECT_EQ(h.finish(), sha384(as_bytes(kAbc)));
  EXPECT_EQ(h.alg(), HashAlg::sha384);
}

TEST(Hash, MovedFromHasherFailsClosed) {
  Hasher a(HashAlg::sha256);
  Hasher b(std::move(a));
  EXPECT_THROW(a.update(as_bytes(kAbc)), Error);  // NOLINT(bugprone-use-after-move)
  b.update(as_bytes(kAbc));
  EXPECT_EQ(b.finish(), sha256(as_bytes(kAbc)));
}

// The fetched-algorithm cache is shared by all threads: concurrent use must give the same
// FIPS 180-2 answers (run under the sanitizer build, this also catches data races that corrupt).
TEST(Hash, ConcurrentUse) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (to_hex(sha256(as_bytes(kAbc))) !=
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")
          ++wrong;
        Hasher h(HashAlg::sha1);
        if (to_hex(h.update(as_bytes(kAbc)).finish()) != "A9993E364706816ABA3E25717850C26C9CD0D89D") ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Hash, DigestSizes) {
  EXPECT_EQ(digest_size(HashAlg::sha1), 20u);
  EXPECT_EQ(digest_size(HashAlg::sha224), 28u);
  EXPECT_EQ(digest_size(HashAlg::sha256), 32u);
  EXPECT_EQ(digest_size(HashAlg::sha384), 48u);
  EXPECT_EQ(digest_size(HashAlg::sha512), 64u);
  for (auto alg : {HashAlg::sha1, HashAlg::sha224, HashAlg::sha256, HashAlg::sha384, HashAlg::sha512})
    EXPECT_EQ(hash(alg, as_bytes(kAbc)).size(), digest_size(alg));
}

TEST(Hash, UnknownAlgorithmFailsClosed) {
  EXPECT_THROW(digest_size(static_cast<HashAlg>(42)), Error);
  EXPECT_THROW(hash(static_cast<HashAlg>(42), as_bytes(kAbc)), Error);
}

}  // namespace
}  // namespace sesame::crypto
