#include "store/sqlite_connection.h"

#include "util/error.h"

namespace sesame::store {

SqliteConnection::SqliteConnection(const std::string& path, int busy_timeout_ms) {
  // NOMUTEX: the pool and the writer thread already guarantee one thread per connection.
  int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    fail(Errc::io, "store: cannot open database '" + path + "': " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

void SqliteConnection::fail_io(const std::string& what) const {
  fail(Errc::io, "store: sqlite " + what + ": " + sqlite3_errmsg(db_));
}

void SqliteConnection::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    fail(Errc::io, std::string("store: sqlite exec failed: ") + msg);
  }
}

sqlite3_stmt* SqliteConnection::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
      SQLITE_OK)
    fail_io("prepare");
  cache_.emplace(sql, s);
  return s;
}

Statement::~Statement() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

void Statement::check(int rc, const char* what) {
  if (rc != SQLITE_OK) c_.fail_io(what);
}

Statement& Statement::text(int i, std::string_view v) {
  check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT), "bind");
  return *this;
}

Statement& Statement::blob(int i, ByteView v) {
  // A zero-length blob must still bind as a blob, not NULL: pass a non-null pointer.
  static const std::uint8_t kEmpty = 0;
  check(sqlite3_bind_blob(s_, i, v.empty() ? &kEmpty : v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT),
        "bind");
  return *this;
}

Statement& Statement::integer(int i, std::int64_t v) {
  check(sqlite3_bind_int64(s_, i, v), "bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  c_.fail_io("step");
}

std::string Statement::col_text(int i) const {
  auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i))) : std::string();
}

Bytes Statement::col_blob(int i) const {
  auto p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, i));
  auto n = static_cast<std::size_t>(sqlite3_column_bytes(s_, i));
  return p ? Bytes(p, p + n) : Bytes();
}

}  // namespace sesame::store
