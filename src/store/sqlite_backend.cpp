#include "store/sqlite_backend.h"

#include <fcntl.h>
#include <unistd.h>

#include "store/sealed_store.h"
#include "util/error.h"

namespace sesame::store {
namespace {

// Migration i takes the schema from version i to i + 1. Append only; never edit a shipped step.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    "CREATE TABLE cards (card_id TEXT PRIMARY KEY NOT NULL, wrapped_key BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE records (card_id TEXT NOT NULL, key BLOB NOT NULL, version INTEGER NOT NULL,"
    " blob BLOB NOT NULL, PRIMARY KEY (card_id, key)) WITHOUT ROWID;",
};
static_assert(std::size(kMigrations) == SqliteBackend::kSchemaVersion);

void migrate(SqliteConnection& c) {
  c.exec("BEGIN IMMEDIATE");
  try {
    c.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    std::int64_t version = 0;
    bool has_row = false;
    {
      Statement s(c, "SELECT version FROM schema_version");
      if (s.step()) {
        version = s.col_int(0);
        has_row = true;
      }
    }
    if (version > SqliteBackend::kSchemaVersion || version < 0)
      fail(Errc::state, "store: database schema version " + std::to_string(version) +
                            " is newer than this build understands (" +
                            std::to_string(SqliteBackend::kSchemaVersion) + ")");
    for (auto v = version; v < SqliteBackend::kSchemaVersion; ++v) c.exec(kMigrations[v]);
    if (!has_row)
      Statement(c, "INSERT INTO schema_version (version) VALUES (?)").integer(1, SqliteBackend::kSchemaVersion).run();
    else
      Statement(c, "UPDATE schema_version SET version = ?").integer(1, SqliteBackend::kSchemaVersion).run();
    c.exec("COMMIT");
  } catch (...) {
    if (c.in_transaction()) c.exec("ROLLBACK");
    throw;
  }
}

// Creates the file with mode 0600 if it does not exist; SQLite gives its -wal and -shm files the
// same mode.
void create_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) fail(Errc::io, "store: cannot create database '" + path + "'");
  ::close(fd);
}

void write_row(SqliteConnection& c, const std::string& card_id, const RowWrite& w) {
  if (w.record) {
    Statement(c, "INSERT OR REPLACE INTO records (card_id, key, version, blob) VALUES (?, ?, ?, ?)")
        .text(1, card_id)
        .blob(2, as_bytes(w.key))
        .integer(3, static_cast<std::int64_t>(w.record->version))
        .blob(4, w.record->blob)
        .run();
  } else {
    Statement(c, "DELETE FROM records WHERE card_id = ? AND key = ?").text(1, card_id).blob(2, as_bytes(w.key)).run();
  }
}

std::string key_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace

class SqliteBackend::ReadLease {
 public:
  ReadLease(SqliteBackend& b, std::unique_ptr<SqliteConnection> c) : b_(b), c_(std::move(c)) {}
  ~ReadLease() {
    {
      std::lock_guard lock(b_.pool_mu_);
      b_.idle_.push_back(std::move(c_));
    }
    b_.pool_cv_.notify_one();
  }
  ReadLease(const ReadLease&) = delete;
  ReadLease& operator=(const ReadLease&) = delete;
  SqliteConnection& operator*() { return *c_; }

 private:
  SqliteBackend& b_;
  std::unique_ptr<SqliteConnection> c_;
};

SqliteBackend::SqliteBackend(const std::string& path, const SqliteOptions& options) : path_(path), options_(options) {
  if (options_.read_connections < 1) options_.read_connections = 1;
  create_private_file(path_);
  auto w = std::make_unique<SqliteConnection>(path_, options_.busy_timeout_ms);
  w->exec("PRAGMA journal_mode = WAL");
  w->exec("PRAGMA synchronous = FULL");
  // Overwrite deleted content, so a deleted card's rows do not linger in free pages.
  w->exec("PRAGMA secure_delete = ON");
  migrate(*w);
  writer_ = std::make_unique<GroupCommitter>(std::move(w), options_.group_commit ? options_.max_batch : 1);
}

SqliteBackend::~SqliteBackend() = default;

SqliteBackend::ReadLease SqliteBackend::read() {
  std::unique_lock lock(pool_mu_);
  for (;;) {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return ReadLease(*this, std::move(c));
    }
    if (open_readers_ < options_.read_connections) {
      ++open_readers_;
      lock.unlock();
      try {
        auto c = std::make_unique<SqliteConnection>(path_, options_.busy_timeout_ms);
        c->exec("PRAGMA query_only = 1");
        return ReadLease(*this, std::move(c));
      } catch (...) {
        std::lock_guard relock(pool_mu_);
        --open_readers_;
        throw;
      }
    }
    pool_cv_.wait(lock);
  }
}

std::vector<std::string> SqliteBackend::list_cards() {
  ReadLease c = read();
  Statement s(*c, "SELECT card_id FROM cards ORDER BY card_id");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.col_text(0));
  return out;
}

std::optional<Bytes> SqliteBackend::wrapped_card_key(const std::string& card_id) {
  ReadLease c = read();
  Statement s(*c, "SELECT wrapped_key FROM cards WHERE card_id = ?");
  s.text(1, card_id);
  if (!s.step()) return std::nullopt;
  return s.col_blob(0);
}

std::map<std::string, SealedRecord> SqliteBackend::load_records(const std::string& card_id) {
  ReadLease c = read();
  // One statement reads one consistent WAL snapshot.
  Statement s(*c, "SELECT key, version, blob FROM records WHERE card_id = ?");
  s.text(1, card_id);
  std::map<std::string, SealedRecord> out;
  while (s.step())
    out.emplace(key_of(s.col_blob(0)), SealedRecord{static_cast<std::uint64_t>(s.col_int(1)), s.col_blob(2)});
  return out;
}

std::optional<SealedRecord> SqliteBackend::load_record(const std::string& card_id, const std::string& key) {
  ReadLease c = read();
  Statement s(*c, "SELECT version, blob FROM records WHERE card_id = ? AND key = ?");
  s.text(1, card_id).blob(2, as_bytes(key));
  if (!s.step()) return std::nullopt;
  return SealedRecord{static_cast<std::uint64_t>(s.col_int(0)), s.col_blob(1)};
}

void SqliteBackend::create_card(const std::string& card_id, ByteView wrapped_key, const std::vector<RowWrite>& rows) {
  writer_->run([&](SqliteConnection& c) {
    {
      Statement s(c, "SELECT 1 FROM cards WHERE card_id = ?");
      s.text(1, card_id);
      if (s.step()) fail(Errc::state, "store: card '" + card_id + "' already exists");
    }
    Statement(c, "INSERT INTO cards (card_id, wrapped_key) VALUES (?, ?)").text(1, card_id).blob(2, wrapped_key).run();
    // Leftover rows of an earlier card with this id would be unreadable garbage; start clean.
    Statement(c, "DELETE FROM records WHERE card_id = ?").text(1, card_id).run();
    for (const auto& w : rows) write_row(c, card_id, w);
  });
}

bool SqliteBackend::delete_card(const std::string& card_id) {
  bool existed = false;
  writer_->run([&](SqliteConnection& c) {
    Statement(c, "DELETE FROM records WHERE card_id = ?").text(1, card_id).run();
    Statement(c, "DELETE FROM cards WHERE card_id = ?").text(1, card_id).run();
    existed = c.changes() > 0;
  });
  return existed;
}

namespace {

// One card write inside the writer's transaction. `doomed` (fault injection) is decided once per
// commit, so a retry after a failed group fails the same member again.
void apply_card_write(SqliteConnection& c, const CardWrite& write, bool doomed) {
  if (write.expected_manifest_version) {
    Statement s(c, "SELECT version FROM records WHERE card_id = ? AND key = ?");
    s.text(1, write.card_id).blob(2, as_bytes(write.manifest_key));
    if (!s.step() || static_cast<std::uint64_t>(s.col_int(0)) != *write.expected_manifest_version)
      fail(Errc::state, "store: card '" + write.card_id + "' was modified concurrently or deleted");
  } else {
    Statement s(c, "SELECT 1 FROM cards WHERE card_id = ?");
    s.text(1, write.card_id);
    if (!s.step()) fail(Errc::not_found, "store: no card '" + write.card_id + "'");
  }
  for (std::size_t i = 0; i < write.rows.size(); ++i) {
    if (doomed && i == write.rows.size() / 2) fail(Errc::io, "store: injected commit failure");
    write_row(c, write.card_id, write.rows[i]);
  }
}

}  // namespace

void SqliteBackend::commit(const CardWrite& write) {
  const bool doomed = options_.faults && options_.faults->next_commit_fails();
  writer_->run([&](SqliteConnection& c) { apply_card_write(c, write, doomed); });
}

// Queued on the same writer as commit(), so one card's commits stay in order; the caller's thread
// goes on while the group's fsync runs.
void SqliteBackend::commit_async(CardWrite write, CommitDone done) {
  const bool doomed = options_.faults && options_.faults->next_commit_fails();
  writer_->submit([write = std::move(write), doomed](SqliteConnection& c) { apply_card_write(c, write, doomed); },
                  std::move(done));
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path, SecureBytes master_key, SqliteOptions options) {
  if (master_key.size() != 32) fail(Errc::invalid_argument, "store: master key must be 32 bytes");
  return open_sealed_store(std::make_shared<SqliteBackend>(path, options), std::move(master_key));
}

}  // namespace sesame::store
