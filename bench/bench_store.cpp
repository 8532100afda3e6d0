// The cost of sealing, per record: CardStore::commit / CardStore::load of the sealed store against
// the same backend used directly through the Backend interface (src/store/backend.h) with the
// records unsealed. Each backend is one group (its own baseline): the memory backend shows the
// CPU cost of sealing; on SQLite (WAL, synchronous=FULL) the fsync dominates a write.
//
// Variants, for one 64-byte record:
//   baseline_unsealed_backend   Backend::commit of one plain 64-byte row, no manifest, no check
//   unsealed_with_manifest      Backend::commit of the two rows a sealed commit writes (record and
//                               manifest, same sizes as sealed), with the manifest version check,
//                               but no encryption: isolates the cost of the AES-GCM sealing
//   sealed_card_store           CardStore::commit({record}) (seals record and manifest, checks)
// Reads: a card of 16 records of 64 bytes; one item = one record returned.
//   baseline_unsealed_backend   Backend::load_records of 16 plain rows
//   sealed_card_store           CardStore::load(): 17 rows (with the manifest) opened and verified
//
// bench-links: sesame_store sesame_crypto SQLite::SQLite3
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench_env.h"
#include "crypto/random.h"
#include "store/manifest.h"
#include "store/memory_backend.h"
#include "store/sealed_store.h"
#include "store/sqlite_backend.h"

namespace {

using namespace sesame;

constexpr std::size_t kRecordSize = 64;
constexpr int kRecordsPerCard = 16;

// One backend, reached both raw (card "plain") and through the sealed store (card "sealed").
struct Fixture {
  std::shared_ptr<store::Backend> backend;
  std::unique_ptr<store::Store> sealed_store;
  std::unique_ptr<store::CardStore> sealed;
  SecureBytes value = crypto::random_secret(kRecordSize);
  std::uint64_t plain_version = 0;
  // Sizes of the rows one sealed commit writes, for unsealed_with_manifest.
  std::size_t sealed_record_size = 0, sealed_manifest_size = 0;

  explicit Fixture(std::shared_ptr<store::Backend> b) : backend(std::move(b)) {
    sealed_store = store::open_sealed_store(backend, crypto::random_secret(32));
    sealed_store->create_card("sealed");
    sealed = sealed_store->open_card("sealed");
    sealed->commit({store::Change{"record", value}});
    auto rows = backend->load_records("sealed");
    sealed_record_size = rows.at("record").blob.size();
    sealed_manifest_size = rows.at(store::kManifestKey).blob.size();
    backend->create_card("plain", Bytes(60, 0), {});
    backend->create_card("plain_m", Bytes(60, 0),
                         {{store::kManifestKey, store::SealedRecord{0, Bytes(8, 0)}}});
  }
};

std::unique_ptr<Fixture> memory_fixture() {
  return std::make_unique<Fixture>(std::make_shared<store::MemoryBackend>());
}

std::unique_ptr<Fixture> sqlite_fixture(const std::string& name) {
  return std::make_unique<Fixture>(
      std::make_shared<store::SqliteBackend>(bench::fresh_db(name), store::SqliteOptions{}));
}

void write_unsealed(benchmark::State& state, Fixture& f) {
  Bytes plain = f.value.reveal();
  for (auto _ : state) {
    store::CardWrite w{"plain", store::kManifestKey, std::nullopt, {}};
    w.rows.push_back({"record", store::SealedRecord{++f.plain_version, plain}});
    f.backend->commit(w);
  }
  state.SetItemsProcessed(state.iterations());
}

void write_unsealed_with_manifest(benchmark::State& state, Fixture& f) {
  Bytes record(f.sealed_record_size, 0x5a), manifest(f.sealed_manifest_size, 0xa5);
  std::uint64_t version = f.backend->load_record("plain_m", store::kManifestKey)->version;
  for (auto _ : state) {
    store::CardWrite w{"plain_m", store::kManifestKey, version, {}};
    ++version;
    w.rows.push_back({"record", store::SealedRecord{version, record}});
    w.rows.push_back({store::kManifestKey, store::SealedRecord{version, manifest}});
    f.backend->commit(w);
  }
  state.SetItemsProcessed(state.iterations());
}

void write_sealed(benchmark::State& state, Fixture& f) {
  for (auto _ : state) f.sealed->commit({store::Change{"record", f.value}});
  state.SetItemsProcessed(state.iterations());
}

// Cards of kRecordsPerCard records for the read benchmarks.
void fill_for_reads(Fixture& f) {
  std::vector<store::Change> changes;
  store::CardWrite w{"plain", store::kManifestKey, std::nullopt, {}};
  for (int i = 0; i < kRecordsPerCard; ++i) {
    std::string key = "record" + std::to_string(i);
    changes.push_back({key, f.value});
    w.rows.push_back({key, store::SealedRecord{1, f.value.reveal()}});
  }
  f.sealed->commit(changes);
  f.sealed->commit({store::Change{"record", std::nullopt}});
  f.backend->commit(w);
  f.backend->commit({"plain", store::kManifestKey, std::nullopt, {{"record", std::nullopt}}});
}

void read_unsealed(benchmark::State& state, Fixture& f) {
  for (auto _ : state) {
    auto rows = f.backend->load_records("plain");
    if (rows.size() != kRecordsPerCard) state.SkipWithError("wrong number of rows");
    benchmark::DoNotOptimize(rows);
  }
  state.SetItemsProcessed(state.iterations() * kRecordsPerCard);
}

void read_sealed(benchmark::State& state, Fixture& f) {
  for (auto _ : state) {
    auto records = f.sealed->load();
    if (records.size() != kRecordsPerCard) state.SkipWithError("wrong number of records");
    benchmark::DoNotOptimize(records);
  }
  state.SetItemsProcessed(state.iterations() * kRecordsPerCard);
}

// Wall-clock time throughout: SQLite writes wait for an fsync on the store's writer thread.
// durable: many short repetitions of a fixed count for the writes (see bench_durable.cpp).
void register_group(const std::string& group, Fixture* write, Fixture* read, bool durable) {
  auto reg = [&](const std::string& name, void (*fn)(benchmark::State&, Fixture&), Fixture* f, bool disk) {
    auto* b = benchmark::RegisterBenchmark(name.c_str(), [fn, f](benchmark::State& s) {
                fn(s, *f);
              })->UseRealTime();
    if (disk)
      b->Iterations(50)->Repetitions(bench::repetitions(10));
    else
      b->MinTime(0.3);
  };
  reg("sealed_record_write_" + group + "/baseline_unsealed_backend", write_unsealed, write, durable);
  reg("sealed_record_write_" + group + "/unsealed_with_manifest", write_unsealed_with_manifest, write,
      durable);
  reg("sealed_record_write_" + group + "/sealed_card_store", write_sealed, write, durable);
  reg("sealed_record_read_" + group + "/baseline_unsealed_backend", read_unsealed, read, false);
  reg("sealed_record_read_" + group + "/sealed_card_store", read_sealed, read, false);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  auto mem_write = memory_fixture(), mem_read = memory_fixture();
  auto sql_write = sqlite_fixture("store-write.db"), sql_read = sqlite_fixture("store-read.db");
  fill_for_reads(*mem_read);
  fill_for_reads(*sql_read);
  // Fixtures live for the whole program: repetitions and the iteration search reuse them.
  for (const std::string b : {"memory", "sqlite"}) {
    const std::string backend =
        b == "memory" ? "store::MemoryBackend" : "store::SqliteBackend (WAL, synchronous=FULL)";
    bench::describe(
        "sealed_record_write_" + b,
        "One item = one commit of one 64-byte record through " + backend +
            ". Baseline "
            "`baseline_unsealed_backend`: Backend::commit of one plain 64-byte row (no manifest, no version "
            "check). `unsealed_with_manifest`: Backend::commit of the two rows a sealed commit writes "
            "(record "
            "and manifest, same sizes, not encrypted) with the manifest version check. `sealed_card_store`: "
            "CardStore::commit({record}) of the sealed store on the same backend (seals record and "
            "manifest).");
    bench::describe("sealed_record_read_" + b,
                    "One item = one record returned, from a card of 16 records of 64 bytes in " + backend +
                        ". "
                        "Baseline `baseline_unsealed_backend`: Backend::load_records of 16 plain rows. "
                        "`sealed_card_store`: CardStore::load(), which opens and verifies 17 sealed rows "
                        "(with the manifest).");
  }
  register_group("memory", mem_write.get(), mem_read.get(), false);
  register_group("sqlite", sql_write.get(), sql_read.get(), true);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
