// What only the SQLite backend does: its file, schema versioning, the wrapped-key table, and
// grouping concurrent commits into one transaction.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <future>
#include <thread>

#include "crypto/random.h"
#include "store/group_committer.h"
#include "store_harness.h"
#include "util/error.h"

namespace sesame::store::testing {
namespace {

SecureBytes sb(std::string_view s) { return SecureBytes(as_bytes(s)); }

std::string query_text(const std::filesystem::path& db, const char* sql) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(h, sql, -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

TEST(SqliteStore, FileIsPrivateWalAndVersioned) {
  SqliteHarness h;
  auto store = h.open(crypto::random_secret(32));
  store->create_card("c1");
  struct stat st {};
  ASSERT_EQ(::stat(h.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(query_text(h.path(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text(h.path(), "SELECT version FROM schema_version"), "1");
}

TEST(SqliteStore, RefusesNewerSchema) {
  SqliteHarness h;
  h.open(crypto::random_secret(32)).reset();
  h.exec("UPDATE schema_version SET version = 99");
  try {
    h.open(crypto::random_secret(32));
    FAIL() << "opened a database with a newer schema";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::state);
  }
}

TEST(SqliteStore, ReopeningKeepsSchemaAndData) {
  SqliteHarness h;
  SecureBytes key = crypto::random_secret(32);
  {
    auto s = h.open(key);
    s->create_card("c1");
    s->open_card("c1")->commit({Change{"a", sb("1")}});
  }
  auto s = h.open(key);
  EXPECT_EQ(query_text(h.path(), "SELECT count(*) FROM schema_version"), "1");
  auto m = s->open_card("c1")->load();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m.at("a") == sb("1"));
}

TEST(SqliteStore, WrappedKeyMovedToAnotherCardIsDetected) {
  SqliteHarness h;
  auto store = h.open(crypto::random_secret(32));
  store->create_card("c1");
  store->create_card("c2");
  h.exec("UPDATE cards SET wrapped_key = (SELECT wrapped_key FROM cards WHERE card_id = 'c1') WHERE card_id = 'c2'");
  try {
    store->open_card("c2");
    FAIL() << "a card key wrapped for c1 was accepted for c2";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::integrity);
  }
  EXPECT_NO_THROW(store->open_card("c1"));
}

TEST(SqliteStore, UnopenableFileIsAnIoError) {
  try {
    open_sqlite_store("/nonexistent-dir/sub/store.db", crypto::random_secret(32));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::io);
  }
}

// GroupCommitter directly: hold the writer busy, queue jobs behind it, and check they commit as one
// transaction, or, when one fails, one by one with exactly that one failing.
class GroupCommitterTest : public ::testing::Test {
 protected:
  GroupCommitterTest() {
    auto c = std::make_unique<SqliteConnection>(h_.path().string(), 5000);
    c->exec("PRAGMA journal_mode = WAL");
    c->exec("CREATE TABLE t (v INTEGER PRIMARY KEY)");
    committer_ = std::make_unique<GroupCommitter>(std::move(c), 64);
  }

  // Runs a job that blocks the writer until release is set, then queues n jobs from n threads.
  // job_fails(i) makes job i throw after inserting its row.
  std::vector<bool> run_group(int n, const std::function<bool(int)>& job_fails) {
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> started;
    std::thread blocker([&] {
      committer_->run([&](SqliteConnection&) {
        started.set_value();
        released.wait();
      });
    });
    started.get_future().wait();
    // One byte per job: std::vector<bool> packs bits, so threads setting neighbours would race.
    std::vector<char> landed(n, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        try {
          committer_->run([&, i](SqliteConnection& c) {
            Statement(c, "INSERT INTO t (v) VALUES (?)").integer(1, next_ + i).run();
            if (job_fails(i)) fail(Errc::io, "job failed");
          });
          landed[i] = 1;
        } catch (const Error&) {
        }
      });
    }
    while (committer_->queued() < static_cast<std::size_t>(n)) std::this_thread::yield();
    release.set_value();
    for (auto& t : threads) t.join();
    blocker.join();
    next_ += n;
    return std::vector<bool>(landed.begin(), landed.end());
  }

  std::string rows() { return query_text(h_.path(), "SELECT group_concat(v) FROM (SELECT v FROM t ORDER BY v)"); }

  SqliteHarness h_;
  std::unique_ptr<GroupCommitter> committer_;
  int next_ = 0;
};

TEST_F(GroupCommitterTest, QueuedJobsCommitAsOneTransaction) {
  auto ok = run_group(8, [](int) { return false; });
  EXPECT_EQ(ok, std::vector<bool>(8, true));
  auto s = committer_->stats();
  EXPECT_EQ(s.transactions, 2u);  // the blocker alone, then the eight together
  EXPECT_EQ(s.jobs, 9u);
  EXPECT_EQ(s.failed_groups, 0u);
  EXPECT_EQ(rows(), "0,1,2,3,4,5,6,7");
}

TEST_F(GroupCommitterTest, FailingMemberIsRetriedAloneAndOthersLand) {
  auto ok = run_group(8, [](int i) { return i == 3; });
  std::vector<bool> want(8, true);
  want[3] = false;
  EXPECT_EQ(ok, want);
  auto s = committer_->stats();
  EXPECT_EQ(s.failed_groups, 1u);
  EXPECT_EQ(s.transactions, 8u);  // the blocker, then seven retried members one by one
  EXPECT_EQ(rows(), "0,1,2,4,5,6,7");
}

}  // namespace
}  // namespace sesame::store::testing
