// Durable APDUs per second on the PostgreSQL store against the SQLite store, same run: the demo
// applet's counter APDU (80 10 00 00 04: increment the persistent 4-byte counter; the runtime
// commits the change before answering) through card::CardService::transmit, with 1 card and with
// 64 cards busy at once (one thread per card).
//
// PostgreSQL comes from $SESAME_BENCH_PG (a libpq conninfo); scripts/run-bench starts a throwaway
// server with `scripts/test-pg start DIR --fsync` (fsync on, so both stores pay for durability) on
// the same disk as the SQLite files. Without it the PostgreSQL variants are skipped with a message.
//
// bench-links: sesame_applets sesame_card sesame_store Threads::Threads
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "applets/builtin.h"
#include "applets/demo/demo_applet.h"
#include "bench_env.h"
#include "demo_fixture.h"
#include "card/applet_registry.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "util/hex.h"

namespace {

using namespace sesame;

constexpr int kManyCards = 64;
// A card service with `cards` demo cards on `store`, each selected and counted once.
struct Hosted {
  std::unique_ptr<store::Store> store;
  bench::DemoCards cards;
  Hosted(std::unique_ptr<store::Store> s, int n, const std::string& prefix) : store(std::move(s)), cards(*store, n, prefix) {}
};

void apdu_counter(benchmark::State& state, Hosted* h) { h->cards.run_counter(state); }

void skipped(benchmark::State& state, const std::string* why) {
  for (auto _ : state) state.SkipWithError(why->c_str());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const char* conninfo = std::getenv("SESAME_BENCH_PG");
  const bool have_pg = conninfo && *conninfo;
  const std::string skip_reason =
      "SESAME_BENCH_PG is not set (a libpq conninfo; `make bench` starts a PostgreSQL with scripts/test-pg): "
      "PostgreSQL variants skipped";

  const SecureBytes key = crypto::random_secret(32);
  Hosted sqlite1(store::open_sqlite_store(bench::fresh_db("pg-vs-sqlite-1.db"), key), 1, "s1-");
  Hosted sqlite64(store::open_sqlite_store(bench::fresh_db("pg-vs-sqlite-64.db"), key), kManyCards, "s64-");
  std::unique_ptr<Hosted> pg1, pg64;
  if (have_pg) {
    // Two stores, two node ids (each holds the leases of its own cards), one database.
    store::PostgresOptions o1, o64;
    o1.node_id = "bench-1";
    o64.node_id = "bench-64";
    pg1 = std::make_unique<Hosted>(store::open_postgres_store(conninfo, key, o1), 1, "p1-");
    pg64 = std::make_unique<Hosted>(store::open_postgres_store(conninfo, key, o64), kManyCards, "p64-");
  } else {
    std::fprintf(stderr, "bench_durable_pg: %s\n", skip_reason.c_str());
  }

  const std::string g1 = "durable_pg_1card", g64 = "durable_pg_64cards";
  const std::string common =
      " The sealed counter row and the card's sealed manifest commit in one transaction per APDU. Baseline "
      "`baseline_sqlite_store`: the same on the SQLite store (WAL, synchronous=FULL, group commit on; "
      "$BENCH_TMPDIR). `postgres_store`: store::open_postgres_store (default pool of 8 connections, "
      "synchronous_commit=on, every commit fenced by the card's lease) on the PostgreSQL in $SESAME_BENCH_PG, "
      "which `make bench` starts with scripts/test-pg --fsync (fsync on, unix socket, data directory on the "
      "same disk as the SQLite files)." +
      std::string(have_pg ? "" : " **Skipped in this run: " + skip_reason + ".**");
  bench::describe(g1, "One item = one durable APDU `8010000004` (demo applet: increment the 4-byte counter) "
                      "via CardService::transmit to one card." + common);
  bench::describe(g64, "64 cards busy at once: 64 threads, each sending `8010000004` to its own card; the "
                       "SQLite store groups the commits that queue up into one transaction, PostgreSQL runs up "
                       "to 8 transactions at once (its pool) and flushes its WAL for the commits waiting "
                       "together." + common);

  auto reg = [](const std::string& name, int iterations, int reps, auto fn, auto arg) {
    return benchmark::RegisterBenchmark(name.c_str(), fn, arg)
        ->Iterations(iterations)
        ->Repetitions(reps)
        ->UseRealTime();
  };
  const int reps1 = bench::repetitions(6), reps64 = bench::repetitions(4);
  reg(g1 + "/baseline_sqlite_store", 50, reps1, apdu_counter, &sqlite1);
  reg(g64 + "/baseline_sqlite_store", 20, reps64, apdu_counter, &sqlite64)->Threads(kManyCards);
  if (have_pg) {
    reg(g1 + "/postgres_store", 50, reps1, apdu_counter, pg1.get());
    reg(g64 + "/postgres_store", 20, reps64, apdu_counter, pg64.get())->Threads(kManyCards);
  } else {
    reg(g1 + "/postgres_store", 1, 1, skipped, &skip_reason);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
