// Test harnesses that open a Store over each backend and give raw access to its sealed rows, so the
// same contract tests (store_contract_test.cpp) run against memory, SQLite and PostgreSQL, and
// integrity tests can tamper with rows the way an attacker with access to the database would.
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "store/backend.h"
#include "pg_server.h"
#include "store/memory_backend.h"
#include "store/postgres_store.h"
#include "store/sealed_store.h"
#include "store/sqlite_store.h"
#include "store/store.h"
#include "store/store_faults.h"

namespace sesame::store::testing {

class MemoryHarness {
 public:
  static constexpr bool kPersistent = false;
  MemoryHarness() : backend_(std::make_shared<MemoryBackend>(faults)) {}

  std::unique_ptr<Store> open(SecureBytes master_key) { return open_sealed_store(backend_, std::move(master_key)); }

  std::map<std::string, SealedRecord> rows(const std::string& card) { return backend_->load_records(card); }
  void put(const std::string& card, const std::string& key, const SealedRecord& r) { raw(card, {key, r}); }
  void erase(const std::string& card, const std::string& key) { raw(card, {key, std::nullopt}); }
  // Rows anywhere that still name the card (records plus the wrapped key).
  int count_card_rows(const std::string& card) {
    return static_cast<int>(backend_->load_records(card).size()) + (backend_->wrapped_card_key(card) ? 1 : 0);
  }

  std::shared_ptr<StoreFaults> faults = std::make_shared<StoreFaults>();

 private:
  void raw(const std::string& card, RowWrite w) {
    CardWrite cw;
    cw.card_id = card;
    cw.rows.push_back(std::move(w));
    backend_->commit(cw);
  }
  std::shared_ptr<MemoryBackend> backend_;
};

// Owns a temporary directory with one database file; tampering goes through a raw sqlite3 handle,
// as an attacker with write access to the file would.
class SqliteHarness {
 public:
  static constexpr bool kPersistent = true;
  SqliteHarness() {
    dir_ = std::filesystem::temp_directory_path() /
           ("sesame-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = dir_ / "store.db";
  }
  ~SqliteHarness() {
    if (db_) sqlite3_close(db_);
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<Store> open(SecureBytes master_key) {
    SqliteOptions o;
    o.faults = faults;
    return open_sqlite_store(path_.string(), std::move(master_key), o);
  }

  std::map<std::string, SealedRecord> rows(const std::string& card) {
    sqlite3_stmt* s = prepare("SELECT key, version, blob FROM records WHERE card_id = ?");
    sqlite3_bind_text(s, 1, card.data(), static_cast<int>(card.size()), SQLITE_TRANSIENT);
    std::map<std::string, SealedRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      auto k = static_cast<const char*>(sqlite3_column_blob(s, 0));
      auto b = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 2));
      out[std::string(k, k + sqlite3_column_bytes(s, 0))] =
          SealedRecord{static_cast<std::uint64_t>(sqlite3_column_int64(s, 1)), Bytes(b, b + sqlite3_column_bytes(s, 2))};
    }
    sqlite3_finalize(s);
    return out;
  }
  void put(const std::string& card, const std::string& key, const SealedRecord& r) {
    sqlite3_stmt* s = prepare("INSERT OR REPLACE INTO records (card_id, key, version, blob) VALUES (?, ?, ?, ?)");
    sqlite3_bind_text(s, 1, card.data(), static_cast<int>(card.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 2, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(r.version));
    sqlite3_bind_blob(s, 4, r.blob.data(), static_cast<int>(r.blob.size()), SQLITE_TRANSIENT);
    step_done(s);
  }
  void erase(const std::string& card, const std::string& key) {
    sqlite3_stmt* s = prepare("DELETE FROM records WHERE card_id = ? AND key = ?");
    sqlite3_bind_text(s, 1, card.data(), static_cast<int>(card.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 2, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    step_done(s);
  }
  // Rows anywhere that still name the card (records plus the wrapped key).
  int count_card_rows(const std::string& card) {
    sqlite3_stmt* s = prepare(
        "SELECT (SELECT count(*) FROM records WHERE card_id = ?1) + (SELECT count(*) FROM cards WHERE card_id = ?1)");
    sqlite3_bind_text(s, 1, card.data(), static_cast<int>(card.size()), SQLITE_TRANSIENT);
    int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);
    return n;
  }
  void exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db(), sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    if (rc != SQLITE_OK) throw std::runtime_error("raw exec: " + msg);
  }
  const std::filesystem::path& path() const { return path_; }

  std::shared_ptr<StoreFaults> faults = std::make_shared<StoreFaults>();

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  sqlite3* db() {
    if (!db_) {
      if (sqlite3_open(path_.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("raw open failed");
      sqlite3_busy_timeout(db_, 5000);
    }
    return db_;
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db(), sql, -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("raw prepare: ") + sqlite3_errmsg(db_));
    return s;
  }
  void step_done(sqlite3_stmt* s) {
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string("raw step: ") + sqlite3_errmsg(db_));
  }
  std::filesystem::path dir_;
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

// A raw libpq connection for tampering and inspection, as a database administrator (or attacker
// with database access) would have. Parameters in binary format, results in binary format.
class RawPg {
 public:
  explicit RawPg(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) throw std::runtime_error(std::string("raw pg: ") + PQerrorMessage(c_));
  }
  ~RawPg() { PQfinish(c_); }
  RawPg(const RawPg&) = delete;
  RawPg& operator=(const RawPg&) = delete;

  // Every parameter is passed as bytes (binary format); int8 values as 8 big-endian bytes.
  struct Result {
    std::unique_ptr<PGresult, decltype(&PQclear)> r{nullptr, PQclear};
    int rows() const { return PQntuples(r.get()); }
    std::string str(int row, int col) const {
      return std::string(PQgetvalue(r.get(), row, col), static_cast<std::size_t>(PQgetlength(r.get(), row, col)));
    }
    std::int64_t i64(int row, int col) const {
      std::uint64_t u = 0;
      auto p = reinterpret_cast<const std::uint8_t*>(PQgetvalue(r.get(), row, col));
      for (int i = 0; i < 8; ++i) u = (u << 8) | p[i];
      return static_cast<std::int64_t>(u);
    }
  };
  Result query(const std::string& sql, const std::vector<std::string>& params = {}) {
    std::vector<const char*> v;
    std::vector<int> len, fmt;
    for (const auto& p : params) {
      v.push_back(p.data());
      len.push_back(static_cast<int>(p.size()));
      fmt.push_back(1);
    }
    Result res;
    res.r.reset(PQexecParams(c_, sql.c_str(), static_cast<int>(params.size()), nullptr, v.data(), len.data(),
                             fmt.data(), 1));
    auto st = PQresultStatus(res.r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      throw std::runtime_error("raw pg: " + sql + ": " + PQresultErrorMessage(res.r.get()));
    return res;
  }
  static std::string i64(std::int64_t v) {
    std::string be(8, '\0');
    auto u = static_cast<std::uint64_t>(v);
    for (int i = 7; i >= 0; --i, u >>= 8) be[static_cast<std::size_t>(i)] = static_cast<char>(u & 0xFF);
    return be;
  }

 private:
  PGconn* c_;
};

// A schema of its own on the test run's PostgreSQL server (pg_server.h) per harness.
class PostgresHarness {
 public:
  static constexpr bool kPersistent = true;
  PostgresHarness() : raw_(schema_.conninfo()) {}

  std::unique_ptr<Store> open(SecureBytes master_key) {
    PostgresOptions o;
    o.node_id = "node-a";
    o.faults = faults;
    return open_postgres_store(schema_.conninfo(), std::move(master_key), o);
  }

  std::map<std::string, SealedRecord> rows(const std::string& card) {
    auto r = raw_.query("SELECT key, version, blob FROM records WHERE card_id = $1", {card});
    std::map<std::string, SealedRecord> out;
    for (int i = 0; i < r.rows(); ++i) {
      std::string b = r.str(i, 2);
      out[r.str(i, 0)] = SealedRecord{static_cast<std::uint64_t>(r.i64(i, 1)), Bytes(b.begin(), b.end())};
    }
    return out;
  }
  void put(const std::string& card, const std::string& key, const SealedRecord& r) {
    raw_.query("INSERT INTO records (card_id, key, version, blob) VALUES ($1, $2, $3, $4)"
               " ON CONFLICT (card_id, key) DO UPDATE SET version = EXCLUDED.version, blob = EXCLUDED.blob",
               {card, key, RawPg::i64(static_cast<std::int64_t>(r.version)), std::string(r.blob.begin(), r.blob.end())});
  }
  void erase(const std::string& card, const std::string& key) {
    raw_.query("DELETE FROM records WHERE card_id = $1 AND key = $2", {card, key});
  }
  // Rows anywhere that still name the card (records plus the wrapped key). A lease row holds no
  // secret and is counted separately (lease_rows).
  int count_card_rows(const std::string& card) {
    auto r = raw_.query("SELECT (SELECT count(*) FROM records WHERE card_id = $1) + (SELECT count(*) FROM cards WHERE card_id = $1)",
                        {card});
    return static_cast<int>(r.i64(0, 0));
  }
  int lease_rows(const std::string& card) {
    return static_cast<int>(raw_.query("SELECT count(*) FROM card_leases WHERE card_id = $1", {card}).i64(0, 0));
  }
  RawPg& raw() { return raw_; }
  const std::string& conninfo() const { return schema_.conninfo(); }

  std::shared_ptr<StoreFaults> faults = std::make_shared<StoreFaults>();

 private:
  sesame::testing::PgSchema schema_;
  RawPg raw_;
};

}  // namespace sesame::store::testing
