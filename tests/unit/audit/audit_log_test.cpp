// The tamper-evident audit log: appends, durability, and every tampering case the verifier must catch.
#include "audit/audit_log.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

#include "../common/expect_errc.h"
#include "audit/audit_entry.h"
#include "audit/audit_verify.h"
#include "crypto/ec_key.h"
#include "store/memory_backend.h"
#include "store/memory_store.h"
#include "store/sealed_store.h"
#include "store/sqlite_store.h"
#include "util/error.h"

namespace sesame::audit {
namespace {

using test::expect_errc;

Record rec(int i, Decision d = Decision::allowed) {
  return Record{"CN=holder " + std::to_string(i) + ",O=Example", "sign", "key-" + std::to_string(i), d,
                "digest sha256, 32 bytes"};
}

class AuditLogTest : public ::testing::Test {
 protected:
  std::shared_ptr<store::StoreFaults> faults = std::make_shared<store::StoreFaults>();
  std::shared_ptr<store::MemoryBackend> backend = std::make_shared<store::MemoryBackend>(faults);
  std::unique_ptr<store::Store> store = store::open_sealed_store(backend, SecureBytes(32));
  crypto::EcPrivateKey key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  crypto::EcPrivateKey other_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);

  // Five entries, the log closed again; returns its head.
  Anchor write_five() {
    AuditLog log(*store, key);
    for (int i = 1; i <= 5; ++i) log.append(rec(i, i == 4 ? Decision::denied : Decision::allowed));
    return log.head();
  }
  std::map<std::string, Bytes> records() { return read_log_records(*store); }
  VerifyReport verify(const std::map<std::string, Bytes>& r, std::optional<Anchor> anchor = std::nullopt) {
    return verify_records(r, key.public_key(), anchor);
  }
  static void expect_bad(const VerifyReport& r, std::uint64_t seq, const std::string& why) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.bad_seq, seq) << r.reason;
    EXPECT_NE(r.reason.find(why), std::string::npos) << r.reason;
  }
};

TEST_F(AuditLogTest, AppendedEntriesVerify) {
  const Anchor head = write_five();
  EXPECT_EQ(head.seq, 5u);
  const VerifyReport r = verify_log(*store, key.public_key(), head);
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.entries, 5u);
  EXPECT_EQ(r.head.hash, head.hash);
  const Entry e4 = decode_entry(records().at(entry_key(4)));
  EXPECT_EQ(e4.record.decision, Decision::denied);
  EXPECT_EQ(e4.record.actor, "CN=holder 4,O=Example");
  EXPECT_EQ(e4.prev_hash, entry_hash(decode_entry(records().at(entry_key(3)))));
}

TEST_F(AuditLogTest, ReopenedLogContinuesTheChain) {
  const Anchor head = write_five();
  AuditLog again(*store, key);
  EXPECT_EQ(again.head().seq, head.seq);
  EXPECT_EQ(again.head().hash, head.hash);
  EXPECT_EQ(again.append(rec(6)).seq, 6u);
  EXPECT_TRUE(verify_log(*store, key.public_key(), head).ok);
}

TEST_F(AuditLogTest, FailedCommitAppendsNothing) {
  AuditLog log(*store, key);
  log.append(rec(1));
  faults->fail_all_commits = true;
  expect_errc(Errc::io, [&] { log.append(rec(2)); });
  EXPECT_EQ(log.head().seq, 1u);
  faults->fail_all_commits = false;
  EXPECT_EQ(log.append(rec(3)).seq, 2u);
  const VerifyReport r = verify_log(*store, key.public_key());
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.entries, 2u);
}

TEST_F(AuditLogTest, ConcurrentAppendsStayInOneChain) {
  AuditLog log(*store, key);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 10; ++i) log.append(rec(t * 100 + i));
    });
  for (auto& t : threads) t.join();
  const VerifyReport r = verify_log(*store, key.public_key(), log.head());
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.entries, 40u);
}

TEST_F(AuditLogTest, ModifiedEntryIsDetected) {
  write_five();
  auto r = records();
  Entry e = decode_entry(r.at(entry_key(3)));
  e.record.decision = Decision::allowed;
  e.record.detail = "nothing to see";
  r[entry_key(3)] = encode_entry(e);  // the old signature
  expect_bad(verify(r), 3, "invalid signature");

  auto raw = records();
  raw[entry_key(2)].back() ^= 1;  // one bit of the signature
  expect_bad(verify(raw), 2, "invalid signature");
  auto cut = records();
  cut[entry_key(2)].pop_back();
  expect_bad(verify(cut), 2, "malformed");
}

TEST_F(AuditLogTest, EntryResignedWithAnotherKeyIsDetected) {
  write_five();
  auto r = records();
  Entry e = decode_entry(r.at(entry_key(3)));
  e.record.detail = "rewritten";
  r[entry_key(3)] = encode_entry(sign_entry(e, other_key));
  expect_bad(verify(r), 3, "another key");
}

TEST_F(AuditLogTest, DeletedEntryIsDetected) {
  write_five();
  auto r = records();
  r.erase(entry_key(3));
  expect_bad(verify(r), 3, "missing");
  // The gap closed by renumbering the record keys: entry 4's signed seq gives it away.
  auto renumbered = records();
  renumbered[entry_key(3)] = renumbered.at(entry_key(4));
  renumbered[entry_key(4)] = renumbered.at(entry_key(5));
  renumbered.erase(entry_key(5));
  expect_bad(verify(renumbered), 3, "holds entry 4");
}

TEST_F(AuditLogTest, ReorderedEntriesAreDetected) {
  write_five();
  auto r = records();
  std::swap(r[entry_key(2)], r[entry_key(3)]);
  expect_bad(verify(r), 2, "holds entry 3");
}

TEST_F(AuditLogTest, InsertedRecordIsDetected) {
  write_five();
  auto r = records();
  r["note"] = Bytes{1, 2, 3};
  expect_bad(verify(r), 6, "not an audit entry");  // "note" sorts after the five entries
}

// The limit, stated as a test: a truncated tail is a valid shorter log unless an anchor taken
// earlier says more entries existed.
TEST_F(AuditLogTest, TruncatedTailIsDetectedOnlyWithAnAnchor) {
  const Anchor head = write_five();
  auto r = records();
  r.erase(entry_key(5));
  r.erase(entry_key(4));
  const VerifyReport without = verify(r);
  EXPECT_TRUE(without.ok);
  EXPECT_EQ(without.entries, 3u);
  expect_bad(verify(r, head), 4, "truncated");
  // An anchor on an entry still present passes.
  auto older = records();
  Anchor a3{3, entry_hash(decode_entry(older.at(entry_key(3))))};
  EXPECT_TRUE(verify(r, a3).ok);
}

// Someone holding the audit key can rebuild a consistent history; only an anchor shows it.
TEST_F(AuditLogTest, HistoryRewrittenWithTheAuditKeyIsDetectedByAnAnchor) {
  const Anchor head = write_five();
  auto r = records();
  Bytes prev = entry_hash(decode_entry(r.at(entry_key(2))));
  for (std::uint64_t s = 3; s <= 5; ++s) {
    Entry e = decode_entry(r.at(entry_key(s)));
    e.record.decision = Decision::denied;
    e.prev_hash = prev;
    e = sign_entry(e, key);
    r[entry_key(s)] = encode_entry(e);
    prev = entry_hash(e);
  }
  EXPECT_TRUE(verify(r).ok);
  expect_bad(verify(r, head), 5, "differs from the anchor");
}

TEST_F(AuditLogTest, WrongVerificationKeyIsDetected) {
  write_five();
  const VerifyReport r = verify_records(records(), other_key.public_key());
  expect_bad(r, 1, "another key");
}

// Through the store: a master-key holder rewrites entry 2 with a valid seal; the chain catches it.
TEST_F(AuditLogTest, ResealedEntryIsDetectedThroughTheStore) {
  write_five();
  auto card = store->open_card(kDefaultLogId);
  Entry e = decode_entry(records().at(entry_key(2)));
  e.record.object = "key-999";
  const Bytes forged = encode_entry(e);
  card->commit({store::Change{entry_key(2), SecureBytes(ByteView(forged))}});
  const VerifyReport r = verify_log(*store, key.public_key());
  expect_bad(r, 2, "invalid signature");
}

// Without the master key: a sealed row removed in the backend is refused by the store itself.
TEST_F(AuditLogTest, RowRemovedInTheBackendIsRefusedByTheStore) {
  write_five();
  store::CardWrite w;
  w.card_id = kDefaultLogId;
  w.manifest_key = "unused";
  w.rows.push_back({entry_key(3), std::nullopt});
  backend->commit(w);
  const VerifyReport r = verify_log(*store, key.public_key());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("store refused"), std::string::npos) << r.reason;
  EXPECT_EQ(r.bad_seq, 3u);
}

TEST(AuditEntryTest, EncodingRoundTripsAndRefusesMalformedInput) {
  const auto key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  Entry e;
  e.seq = 7;
  e.time_ms = 1765000000000;
  e.record = rec(7, Decision::failed);
  e.prev_hash = Bytes(32, 0xAB);
  e = sign_entry(e, key);
  const Bytes enc = encode_entry(e);
  const Entry d = decode_entry(enc);
  EXPECT_EQ(d.seq, 7u);
  EXPECT_EQ(d.time_ms, e.time_ms);
  EXPECT_EQ(d.record.actor, e.record.actor);
  EXPECT_EQ(d.record.decision, Decision::failed);
  EXPECT_TRUE(signature_valid(d, key.public_key()));
  EXPECT_EQ(entry_hash(d), entry_hash(e));

  Bytes trailing = enc;
  trailing.push_back(0);
  expect_errc(Errc::parse, [&] { decode_entry(trailing); });
  Bytes magic = enc;
  magic[3] = '2';
  expect_errc(Errc::parse, [&] { decode_entry(magic); });
  Bytes decision = enc;
  decision[20] = 9;  // "SAL1" 4 + seq 8 + time 8: the decision byte
  expect_errc(Errc::parse, [&] { decode_entry(decision); });
  Bytes control = enc;
  control[4 + 8 + 8 + 1 + 32 + 32 + 2] = '\n';  // the actor's first character
  expect_errc(Errc::parse, [&] { decode_entry(control); });
  expect_errc(Errc::parse, [&] { decode_entry(Bytes{}); });
}

TEST(AuditEntryTest, RecordsAreChecked) {
  expect_errc(Errc::invalid_argument, [] { check_record(Record{"", "sign", "", Decision::allowed, ""}); });
  expect_errc(Errc::invalid_argument, [] { check_record(Record{"CN=a", "", "", Decision::allowed, ""}); });
  expect_errc(Errc::invalid_argument, [] {
    check_record(Record{"CN=a", "sign", "", Decision::allowed, "a\x1b[2J"});
  });
  expect_errc(Errc::invalid_argument, [] {
    check_record(Record{"CN=a", "sign", "", Decision::allowed, std::string(kMaxDetail + 1, 'x')});
  });
  expect_errc(Errc::invalid_argument, [] {
    check_record(Record{"CN=a", "sign", "", static_cast<Decision>(0), ""});
  });
  check_record(Record{"CN=a", "sign", "", Decision::allowed, ""});
}

TEST(AuditEntryTest, AnchorsAndKeys) {
  const Anchor a{12, Bytes(32, 0x5A)};
  const Anchor b = parse_anchor(format_anchor(a));
  EXPECT_EQ(b.seq, 12u);
  EXPECT_EQ(b.hash, a.hash);
  for (const char* bad : {"", "12", ":ab",
                          "0:"
                          "5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A",
                          "1:zz", "1:5A", "x1:5A5A"})
    expect_errc(Errc::invalid_argument, [&] { parse_anchor(bad); });
  EXPECT_EQ(entry_key(42), "e/00000000000000000042");
  EXPECT_EQ(seq_of_key("e/00000000000000000042"), 42u);
  EXPECT_FALSE(seq_of_key("e/0000000000000000004x"));
  EXPECT_FALSE(seq_of_key("e/99999999999999999999"));  // above 2^64 - 1
  EXPECT_FALSE(seq_of_key("f/00000000000000000042"));
}

}  // namespace
}  // namespace sesame::audit

namespace sesame::audit {
namespace {

// The real durable path: entries committed to a SQLite file survive closing and reopening the
// store, and the reopened log continues the chain.
TEST(AuditLogSqliteTest, EntriesSurviveReopening) {
  char tmpl[] = "/tmp/sesame-audit-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/audit.db";
  const auto key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  Anchor head;
  {
    auto store = store::open_sqlite_store(path, SecureBytes(32));
    AuditLog log(*store, key);
    log.append(rec(1));
    log.append(rec(2, Decision::failed));
    head = log.head();
    EXPECT_EQ(head.seq, 2u);
  }
  {
    auto store = store::open_sqlite_store(path, SecureBytes(32));
    AuditLog log(*store, key);
    EXPECT_EQ(log.head().hash, head.hash);
    log.append(rec(3));
    const VerifyReport r = verify_log(*store, key.public_key(), head);
    EXPECT_TRUE(r.ok) << r.reason;
    EXPECT_EQ(r.entries, 3u);
  }
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace sesame::audit
