#include "pg_server.h"

#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <stdexcept>

#ifndef SESAME_TEST_PG_SCRIPT
#error "SESAME_TEST_PG_SCRIPT must name scripts/test-pg"
#endif

namespace sesame::testing {
namespace {

std::atomic<int> g_counter{0};

// Runs a command, returns its exit status and combined output.
int run(const std::string& cmd, std::string& output) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) throw std::runtime_error("pg_server: cannot run " + cmd);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_conninfo(const std::filesystem::path& dir) {
  std::ifstream f(dir / "conninfo");
  std::string line;
  if (!f || !std::getline(f, line) || line.empty())
    throw std::runtime_error("pg_server: no conninfo in " + dir.string() + " (is the server running?)");
  return line;
}

void exec_sql(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("pg_server: cannot connect: " + msg);
  }
  PQclear(PQexec(c, "SET client_min_messages = warning"));
  PGresult* r = PQexec(c, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  std::string msg = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error("pg_server: " + sql + ": " + msg);
}

}  // namespace

std::unique_ptr<PgServer> PgServer::start(bool tcp) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sesame-pg-" + std::to_string(::getpid()) + "-" + std::to_string(g_counter++));
  std::string out;
  const std::string cmd =
      std::string(SESAME_TEST_PG_SCRIPT) + " start '" + dir.string() + "'" + (tcp ? " --tcp" : "");
  if (run(cmd, out) != 0) {
    std::string ignored;
    run(std::string(SESAME_TEST_PG_SCRIPT) + " stop '" + dir.string() + "'", ignored);
    throw std::runtime_error("pg_server: starting PostgreSQL failed:\n" + out);
  }
  return std::unique_ptr<PgServer>(new PgServer(dir, read_conninfo(dir)));
}

PgServer::~PgServer() {
  std::string ignored;
  run(std::string(SESAME_TEST_PG_SCRIPT) + " stop '" + dir_.string() + "'", ignored);
}

const std::string& shared_pg_conninfo() {
  static std::mutex mu;
  static std::unique_ptr<PgServer> own;
  static std::string conninfo;
  std::lock_guard lock(mu);
  if (conninfo.empty()) {
    if (const char* d = std::getenv("SESAME_TEST_PG_DIR"); d && *d) {
      conninfo = read_conninfo(d);
    } else {
      own = PgServer::start();
      conninfo = own->conninfo();
    }
  }
  return conninfo;
}

PgSchema::PgSchema()
    : name_("t" + std::to_string(::getpid()) + "_" + std::to_string(g_counter++)),
      conninfo_(shared_pg_conninfo() + " options='-csearch_path=" + name_ + "'") {
  exec_sql(shared_pg_conninfo(), "DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_);
}

PgSchema::~PgSchema() {
  try {
    exec_sql(shared_pg_conninfo(), "DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  } catch (const std::exception&) {
    // The server is gone already (shutdown order); its directory is removed with it.
  }
}

}  // namespace sesame::testing
