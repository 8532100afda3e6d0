// A real PostgreSQL server for tests, started and stopped through scripts/test-pg (initdb in a
// temporary directory, unix socket there, as the `postgres` user when run as root). No mocks:
// the store's PostgreSQL tests and the multi-node tests talk to the real thing. Missing PostgreSQL
// binaries make start() throw, so the tests fail instead of skipping.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace sesame::testing {

class PgServer {
 public:
  // Starts a fresh server (unix socket only, or also a free loopback TCP port). Throws
  // std::runtime_error with the script's output when it cannot.
  static std::unique_ptr<PgServer> start(bool tcp = false);
  // Stops the server and removes its directory.
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // libpq conninfo of the server's `postgres` database, e.g. "host=/tmp/x port=5432 user=postgres
  // dbname=postgres".
  const std::string& conninfo() const { return conninfo_; }

 private:
  PgServer(std::filesystem::path dir, std::string conninfo)
      : dir_(std::move(dir)), conninfo_(std::move(conninfo)) {}
  std::filesystem::path dir_;
  std::string conninfo_;
};

// The server this test process shares between its tests: the one ctest's fixture started
// (environment SESAME_TEST_PG_DIR names its directory), or else one started on first use and
// stopped when the process exits.
const std::string& shared_pg_conninfo();

// A schema of its own on the shared server for one test: created empty, dropped with everything in
// it on destruction. conninfo() points search_path at it, so the store's tables land there.
class PgSchema {
 public:
  PgSchema();
  ~PgSchema();
  PgSchema(const PgSchema&) = delete;
  PgSchema& operator=(const PgSchema&) = delete;
  const std::string& conninfo() const { return conninfo_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string conninfo_;
};

}  // namespace sesame::testing
