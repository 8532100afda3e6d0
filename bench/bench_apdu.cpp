// APDU dispatch in process through card::CardService::transmit, on cards holding the demo applet,
// against a hand-written minimal dispatcher, so the ratio is the runtime's overhead per APDU.
// Nothing here is durable: SELECT and READ BINARY write nothing (the variant on the SQLite store
// shows that the store is not touched on this path).
//
// bench-links: sesame_applets sesame_card sesame_store
#include <benchmark/benchmark.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "applets/builtin.h"
#include "applets/demo/demo_applet.h"
#include "bench_env.h"
#include "card/applet_registry.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "iso7816/apdu.h"
#include "store/memory_store.h"
#include "store/sqlite_store.h"
#include "util/hex.h"

namespace {

using namespace sesame;

constexpr int kCards = 2;  // one per benchmark thread
const Bytes kDemoAid = from_hex("F0534553414D4501");
const Bytes kSelect = from_hex("00A4040008F0534553414D450100");  // SELECT by DF name, FCI, Le=00
const Bytes kRead = from_hex("00B0810000");                      // READ BINARY EF.INFO (SFI 1), Le=00
const std::string kInfo = "sesame demo applet v1";               // EF.INFO content after install

// A hosted card service with kCards cards, each with the demo applet installed.
struct Cards {
  std::unique_ptr<store::Store> store;
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<card::CardService> service;
  std::vector<std::string> seids;

  explicit Cards(std::unique_ptr<store::Store> s) : store(std::move(s)) {
    service = std::make_unique<card::CardService>(*store, registry);
    for (int i = 0; i < kCards; ++i) {
      seids.push_back(service->create_card({"bench-" + std::to_string(i), "bench"}));
      service->install_applet(seids.back(), applets::demo::kModuleName, kDemoAid, {});
      expect_ok(service->transmit(seids.back(), kSelect), "SELECT");
      Bytes r = service->transmit(seids.back(), kRead);
      if (r.size() != kInfo.size() + 2 || std::string(r.begin(), r.end() - 2) != kInfo)
        throw std::runtime_error("READ BINARY of EF.INFO returned " + to_hex(r));
    }
  }

  static void expect_ok(const Bytes& r, const char* what) {
    if (r.size() < 2 || r[r.size() - 2] != 0x90 || r.back() != 0x00)
      throw std::runtime_error(std::string(what) + " returned " + to_hex(r));
  }
};

// The baseline: the least a dispatcher must do for the same command: parse the APDU, switch on
// INS, copy the file bytes into a response and encode it.
Bytes minimal_dispatch(ByteView raw, const Bytes& file) {
  iso7816::ResponseApdu r;
  try {
    const iso7816::CommandApdu c = iso7816::CommandApdu::parse(raw);
    switch (c.ins) {
      case 0xA4: break;
      case 0xB0: {
        const std::size_t off = c.p1 & 0x80 ? c.p2 : (std::size_t{c.p1} << 8 | c.p2);
        if (off > file.size()) {
          r.sw = 0x6B00;
          break;
        }
        const std::size_t n = std::min(file.size() - off, c.ne);
        r.data.assign(file.begin() + static_cast<std::ptrdiff_t>(off),
                      file.begin() + static_cast<std::ptrdiff_t>(off + n));
        break;
      }
      default: r.sw = 0x6D00;
    }
  } catch (const std::exception&) {
    r.sw = 0x6700;
  }
  return r.encode();
}

void baseline(benchmark::State& state) {
  const Bytes file(kInfo.begin(), kInfo.end());
  for (auto _ : state) {
    Bytes r = minimal_dispatch(kRead, file);
    benchmark::DoNotOptimize(r.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// Each benchmark thread drives its own card.
void transmit(benchmark::State& state, Cards* cards, const Bytes* apdu, std::size_t expected_size) {
  const std::string& seid = cards->seids.at(static_cast<std::size_t>(state.thread_index()));
  for (auto _ : state) {
    Bytes r = cards->service->transmit(seid, *apdu);
    if (r.size() != expected_size || r[r.size() - 2] != 0x90) {
      state.SkipWithError(("unexpected response " + to_hex(r)).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  Cards memory(store::open_memory_store(crypto::random_secret(32)));
  Cards sqlite(store::open_sqlite_store(bench::fresh_db("apdu.db"), crypto::random_secret(32)));
  const std::size_t select_size = memory.service->transmit(memory.seids[0], kSelect).size();

  const std::string g = "apdu_dispatch";
  bench::describe(
      g,
      "One APDU per item, in process, no transport. Baseline: a minimal dispatcher written in the "
      "benchmark (iso7816::CommandApdu::parse, switch on INS, copy the 21 bytes of the file into a "
      "ResponseApdu and encode it) answering READ BINARY `00B0810000`. Variants: "
      "card::CardService::transmit on a card holding the demo applet (instance AID F0534553414D4501): "
      "`select` = SELECT by AID `00A4040008F0534553414D450100` (FCI response), `read` = READ BINARY of "
      "EF.INFO by SFI `00B0810000` (21 bytes, always readable), on the memory store and on the SQLite "
      "store (neither command writes). With 2 threads each thread drives its own card; ideally 2 "
      "threads give 2x one thread. `minimal_dispatcher` (2 threads) runs the baseline's code on 2 "
      "threads: the reference for what 2 threads could gain on the machine during the run.");
  const double t = 0.3;
  benchmark::RegisterBenchmark((g + "/baseline_minimal_dispatcher").c_str(), baseline)
      ->MinTime(t)
      ->UseRealTime();
  // The same dispatcher on 2 threads: what 2 threads can give on this machine right now.
  benchmark::RegisterBenchmark((g + "/minimal_dispatcher").c_str(), baseline)
      ->MinTime(t)
      ->UseRealTime()
      ->Threads(2);
  struct V {
    const char* name;
    Cards* cards;
    const Bytes* apdu;
    std::size_t size;
  };
  for (const V& v : {V{"select_memory", &memory, &kSelect, select_size},
                     V{"read_memory", &memory, &kRead, kInfo.size() + 2},
                     V{"select_sqlite", &sqlite, &kSelect, select_size},
                     V{"read_sqlite", &sqlite, &kRead, kInfo.size() + 2}}) {
    for (int threads : {1, 2}) {
      benchmark::RegisterBenchmark((g + "/" + v.name).c_str(), transmit, v.cards, v.apdu, v.size)
          ->MinTime(t)
          ->UseRealTime()
          ->Threads(threads);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
