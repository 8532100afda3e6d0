#include "store/pg_connection.h"

#include <cstring>

#include "util/error.h"

namespace sesame::store {
namespace {

std::string one_line(const char* msg) {
  std::string s = msg ? msg : "unknown error";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s;
}

}  // namespace

void PgParams::add(std::string v) {
  values_.push_back(std::move(v));
  // Re-point every pointer: growing values_ may move the strings (short ones live inline).
  ptrs_.clear();
  for (const auto& s : values_) ptrs_.push_back(s.data());
}

PgParams& PgParams::text(std::string_view v) {
  add(std::string(v));
  lengths_.push_back(static_cast<int>(v.size()));
  formats_.push_back(1);  // text's binary form is its bytes
  return *this;
}

PgParams& PgParams::bytes(ByteView v) {
  add(std::string(v.begin(), v.end()));
  lengths_.push_back(static_cast<int>(v.size()));
  formats_.push_back(1);
  return *this;
}

PgParams& PgParams::int64(std::int64_t v) {
  std::string be(8, '\0');
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 7; i >= 0; --i, u >>= 8) be[static_cast<std::size_t>(i)] = static_cast<char>(u & 0xFF);
  add(std::move(be));
  lengths_.push_back(8);
  formats_.push_back(1);
  return *this;
}

PgParams& PgParams::literal(std::string_view v) {
  add(std::string(v));  // std::string keeps the NUL terminator the text format needs
  lengths_.push_back(static_cast<int>(v.size()));
  formats_.push_back(0);
  return *this;
}

std::uint64_t PgResult::affected() const {
  const char* n = PQcmdTuples(r_);
  return (n && *n) ? std::stoull(n) : 0;
}

Bytes PgResult::bytes(int row, int col) const {
  auto p = reinterpret_cast<const std::uint8_t*>(PQgetvalue(r_, row, col));
  return Bytes(p, p + PQgetlength(r_, row, col));
}

std::string PgResult::text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}

std::int64_t PgResult::int64(int row, int col) const {
  if (PQgetlength(r_, row, col) != 8) fail(Errc::io, "store: postgres returned a malformed int8");
  auto p = reinterpret_cast<const std::uint8_t*>(PQgetvalue(r_, row, col));
  std::uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | p[i];
  return static_cast<std::int64_t>(u);
}

bool PgResult::boolean(int row, int col) const {
  if (PQgetlength(r_, row, col) != 1) fail(Errc::io, "store: postgres returned a malformed bool");
  return *PQgetvalue(r_, row, col) != 0;
}

PgConnection::PgConnection(const std::string& conninfo, int statement_timeout_ms) {
  conn_ = PQconnectdb(conninfo.c_str());
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    // The message names host and reason; conninfo itself is not repeated (it may hold a password).
    std::string msg = conn_ ? one_line(PQerrorMessage(conn_)) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    fail(Errc::io, "store: cannot connect to PostgreSQL: " + msg);
  }
  // Durability is the store's promise, whatever the server's default: a commit returns only
  // once its WAL is flushed. UTC keeps lease times independent of the server's zone.
  exec("SET synchronous_commit = on");
  exec("SET TIME ZONE 'UTC'");
  exec("SET client_min_messages = warning");
  const std::string timeout = "SET statement_timeout = " + std::to_string(statement_timeout_ms);
  exec(timeout.c_str());
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

void PgConnection::fail_io(const std::string& what, const PGresult* r) const {
  std::string msg = r ? one_line(PQresultErrorMessage(r)) : "";
  if (msg.empty()) msg = one_line(PQerrorMessage(conn_));
  fail(Errc::io, "store: postgres " + what + ": " + msg);
}

void PgConnection::exec(const char* sql) {
  PgResult r(PQexec(conn_, sql));
  if (r.status() != PGRES_COMMAND_OK && r.status() != PGRES_TUPLES_OK) fail_io("exec", r.get());
}

void PgConnection::commit() {
  PgResult r(PQexec(conn_, "COMMIT"));
  if (r.status() != PGRES_COMMAND_OK) fail_io("commit", r.get());
  if (std::strcmp(PQcmdStatus(const_cast<PGresult*>(r.get())), "COMMIT") != 0)
    fail(Errc::io, "store: postgres commit: the transaction was rolled back");
}

void PgConnection::rollback_quietly() noexcept {
  if (!conn_ || broken() || !in_transaction()) return;
  PQclear(PQexec(conn_, "ROLLBACK"));
}

PgResult PgConnection::run(const std::string& sql, const PgParams& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    PgResult p(PQprepare(conn_, name.c_str(), sql.c_str(), params.size(), nullptr));
    if (p.status() != PGRES_COMMAND_OK) fail_io("prepare", p.get());
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  PgResult r(PQexecPrepared(conn_, it->second.c_str(), params.size(), params.values(), params.lengths(),
                            params.formats(), 1));
  if (r.status() != PGRES_COMMAND_OK && r.status() != PGRES_TUPLES_OK) fail_io("statement", r.get());
  return r;
}

}  // namespace sesame::store
