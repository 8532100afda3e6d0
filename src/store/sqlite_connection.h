// A thin RAII layer over one sqlite3 connection with a per-connection prepared statement cache.
// Internal to src/store (the only place that includes sqlite3.h). A connection is used by one
// thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/bytes.h"

namespace sesame::store {

class SqliteConnection {
 public:
  SqliteConnection(const std::string& path, int busy_timeout_ms);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  void exec(const char* sql);
  // A cached prepared statement for sql (compiled on first use).
  sqlite3_stmt* prepare(const std::string& sql);
  [[noreturn]] void fail_io(const std::string& what) const;
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  int changes() const { return sqlite3_changes(db_); }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// One use of a cached statement; resets it and clears its bindings when it goes out of scope.
class Statement {
 public:
  Statement(SqliteConnection& c, const std::string& sql) : c_(c), s_(c.prepare(sql)) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& text(int i, std::string_view v);
  Statement& blob(int i, ByteView v);
  Statement& integer(int i, std::int64_t v);
  // true: a row is available; false: done. Throws Error(Errc::io) on failure.
  bool step();
  void run() {
    while (step()) {
    }
  }

  std::int64_t col_int(int i) const { return sqlite3_column_int64(s_, i); }
  std::string col_text(int i) const;
  Bytes col_blob(int i) const;

 private:
  void check(int rc, const char* what);
  SqliteConnection& c_;
  sqlite3_stmt* s_;
};

}  // namespace sesame::store
