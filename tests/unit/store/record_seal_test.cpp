// The sealing format (record_seal.h): round trips through the prepared-key and the one-shot forms
// (which must agree byte for byte on what they accept), the mapping of a refused tag to
// Errc::integrity, and fresh IVs — never repeated, not even by a forked child.
#include "store/record_seal.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "../common/expect_errc.h"
#include "crypto/random.h"
#include "util/hex.h"

namespace sesame::store {
namespace {

const SecureBytes kKey = crypto::random_secret(kStoreKeySize);

Bytes iv_of(const Bytes& sealed) { return Bytes(sealed.begin(), sealed.begin() + crypto::kGcmIvSize); }

TEST(RecordSeal, PreparedAndOneShotFormsAreTheSameFormat) {
  const crypto::AesGcmKey prepared(kKey.view());
  const Bytes plain = from_hex("00112233445566778899");
  const Bytes a = seal_record(prepared, "card", "rec", 7, plain);
  const Bytes b = seal_record(kKey.view(), "card", "rec", 7, plain);
  ASSERT_EQ(a.size(), crypto::kGcmIvSize + plain.size() + crypto::kGcmTagSize);
  EXPECT_EQ(open_record(kKey.view(), "card", "rec", 7, a).reveal(), plain);
  EXPECT_EQ(open_record(prepared, "card", "rec", 7, b).reveal(), plain);
  const Bytes wrapped = wrap_card_key(prepared, "card", kKey.view());
  EXPECT_TRUE(unwrap_card_key(kKey.view(), "card", wrapped) == kKey);
}

// A refused tag is Errc::crypto in crypto/; the store reports Errc::integrity (DECISIONS D6).
TEST(RecordSeal, RefusedRecordsAreIntegrityErrors) {
  const crypto::AesGcmKey prepared(kKey.view());
  const Bytes sealed = seal_record(prepared, "card", "rec", 7, from_hex("AA"));
  Bytes flipped = sealed;
  flipped.back() ^= 0x01;
  for (auto open : {+[](const Bytes& s, const std::string& card, const std::string& key, std::uint64_t v) {
                      return open_record(crypto::AesGcmKey(kKey.view()), card, key, v, s);
                    },
                    +[](const Bytes& s, const std::string& card, const std::string& key, std::uint64_t v) {
                      return open_record(kKey.view(), card, key, v, s);
                    }}) {
    test::expect_errc(Errc::integrity, [&] { open(flipped, "card", "rec", 7); });
    test::expect_errc(Errc::integrity, [&] { open(sealed, "other", "rec", 7); });
    test::expect_errc(Errc::integrity, [&] { open(sealed, "card", "renamed", 7); });
    test::expect_errc(Errc::integrity, [&] { open(sealed, "card", "rec", 6); });
    test::expect_errc(Errc::integrity, [&] { open(Bytes(sealed.begin(), sealed.begin() + 27), "card", "rec", 7); });
  }
  test::expect_errc(Errc::integrity, [&] { unwrap_card_key(crypto::random_secret(32).view(), "card", sealed); });
}

TEST(RecordSeal, IvsAreNeverRepeated) {
  const crypto::AesGcmKey prepared(kKey.view());
  std::set<Bytes> ivs;
  for (int i = 0; i < 1000; ++i) {
    ivs.insert(iv_of(seal_record(prepared, "card", "rec", 1, from_hex("00"))));
    ivs.insert(iv_of(seal_record(kKey.view(), "card", "rec", 1, from_hex("00"))));
  }
  EXPECT_EQ(ivs.size(), 2000u);
}

// IVs are drawn in blocks per thread; a forked child must not hand out the IVs its parent has
// still to use (the same card key in both processes would then repeat an IV).
TEST(RecordSeal, AForkedChildDrawsOtherIvs) {
  const crypto::AesGcmKey prepared(kKey.view());
  seal_record(prepared, "card", "rec", 1, from_hex("00"));  // the thread's block is now partly used
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    Bytes mine;
    for (int i = 0; i < 4; ++i) append(mine, iv_of(seal_record(prepared, "card", "rec", 1, from_hex("00"))));
    const bool ok = write(fds[1], mine.data(), mine.size()) == static_cast<ssize_t>(mine.size());
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  Bytes child(4 * crypto::kGcmIvSize);
  std::size_t got = 0;
  while (got < child.size()) {
    const ssize_t n = read(fds[0], child.data() + got, child.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_EQ(got, child.size());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::set<Bytes> seen;
  for (std::size_t i = 0; i < 4; ++i)
    seen.insert(Bytes(child.begin() + static_cast<std::ptrdiff_t>(i * crypto::kGcmIvSize),
                      child.begin() + static_cast<std::ptrdiff_t>((i + 1) * crypto::kGcmIvSize)));
  for (int i = 0; i < 4; ++i) seen.insert(iv_of(seal_record(prepared, "card", "rec", 1, from_hex("00"))));
  EXPECT_EQ(seen.size(), 8u) << "parent and child drew the same IV";
}

}  // namespace
}  // namespace sesame::store
