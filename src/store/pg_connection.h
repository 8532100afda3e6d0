// A thin RAII layer over one libpq connection with a per-connection prepared statement cache.
// Internal to src/store (the only place that includes libpq-fe.h). Parameters and results travel
// in PostgreSQL's binary format, so bytea needs no escaping. A connection is used by one thread at
// a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/bytes.h"

namespace sesame::store {

// Positional parameters $1, $2, ... of one statement.
class PgParams {
 public:
  PgParams& text(std::string_view v);
  PgParams& bytes(ByteView v);
  PgParams& int64(std::int64_t v);  // int8
  // A value in PostgreSQL's text format (for array literals such as {1,2,3}).
  PgParams& literal(std::string_view v);

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return ptrs_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  void add(std::string v);
  std::vector<std::string> values_;
  std::vector<const char*> ptrs_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// One statement's result (binary format). Owns the PGresult.
class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r) {}
  ~PgResult() { PQclear(r_); }
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  PgResult& operator=(PgResult&&) = delete;

  ExecStatusType status() const { return PQresultStatus(r_); }
  const PGresult* get() const { return r_; }
  int rows() const { return PQntuples(r_); }
  // Rows changed by an INSERT, UPDATE or DELETE.
  std::uint64_t affected() const;
  Bytes bytes(int row, int col) const;
  std::string text(int row, int col) const;
  std::int64_t int64(int row, int col) const;
  bool boolean(int row, int col) const;

 private:
  PGresult* r_;
};

class PgConnection {
 public:
  // Connects and sets the session up (synchronous_commit=on, UTC, statement timeout).
  // Throws Error(Errc::io) when the server cannot be reached.
  PgConnection(const std::string& conninfo, int statement_timeout_ms);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // A command without parameters or result rows (BEGIN, COMMIT, DDL). Throws Error(Errc::io).
  void exec(const char* sql);
  // Runs sql as a prepared statement (prepared on first use on this connection).
  // Throws Error(Errc::io) on failure.
  PgResult run(const std::string& sql, const PgParams& params = {});
  // True once the connection is unusable (it is then dropped from the pool, not reused).
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  bool in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

  // Runs body between BEGIN and COMMIT; rolls back and rethrows if it throws.
  template <class F>
  void transaction(F&& body) {
    exec("BEGIN");
    try {
      body();
      commit();
    } catch (...) {
      rollback_quietly();
      throw;
    }
  }

 private:
  [[noreturn]] void fail_io(const std::string& what, const PGresult* r) const;
  // COMMIT, refusing the case where the server answers it with ROLLBACK (an aborted transaction).
  void commit();
  void rollback_quietly() noexcept;

  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

}  // namespace sesame::store
