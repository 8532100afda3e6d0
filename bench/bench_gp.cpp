// GlobalPlatform SCP03 in process (docs/GP.md): secure channel set-up (host::gp::Scp03Session::open
// = SELECT of the ISD, INITIALIZE UPDATE, EXTERNAL AUTHENTICATE, card and terminal side) and
// protected APDUs through an open session, over the InProcessReader and card::CardService.
// Baselines, measured in the same run: the raw AES-CMAC computations the protocol itself needs
// (crypto::aes_cmac, the primitive both sides use), so a ratio is the cost of everything else —
// APDU encoding, the card runtime, the durable sequence and failure counters, key loading.
//
// bench-links: sesame_host sesame_applets sesame_card sesame_store sesame_crypto
#include <benchmark/benchmark.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "applets/builtin.h"
#include "bench_env.h"
#include "card/applet_registry.h"
#include "card/card_service.h"
#include "crypto/cmac.h"
#include "crypto/random.h"
#include "host/gp/scp03_session.h"
#include "host/in_process_reader.h"
#include "store/memory_store.h"
#include "util/hex.h"

namespace {

using namespace sesame;

constexpr int kCards = 2;                                                     // one per benchmark thread
const iso7816::CommandApdu kGetData{0x80, 0xCA, 0x00, 0xC1, {}, 256, false};  // sequence counter, no writes

struct Cards {
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::AppletRegistry registry = applets::builtin_registry();
  card::CardService service{*store, registry};
  std::vector<std::unique_ptr<host::InProcessReader>> readers;

  Cards() {
    for (int i = 0; i < kCards; ++i) {
      const std::string seid = service.create_card({"gp-bench-" + std::to_string(i), "bench"});
      readers.push_back(std::make_unique<host::InProcessReader>(service, seid));
    }
  }
};

// The AES-CMACs of one session set-up, both sides (Amendment D §6.2): card — card challenge (KDF),
// S-ENC, S-MAC, S-RMAC, card cryptogram, host cryptogram check, EXTERNAL AUTHENTICATE C-MAC check;
// terminal — the same three session keys, card cryptogram and challenge checks, host cryptogram,
// C-MAC. 14 CMACs over 32-byte KDF inputs.
constexpr int kSetupCmacs = 14;
// One protected APDU at level 11 (C-MAC, R-MAC): C-MAC and R-MAC, each made and checked.
constexpr int kApduCmacs = 4;

void baseline_cmacs(benchmark::State& state, int n) {
  const SecureBytes key = crypto::random_secret(16);
  Bytes input = crypto::random_bytes(32);
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) {
      Bytes mac = crypto::aes_cmac(key.view(), input);
      input[0] = mac[0];  // a dependency, so no call is elided
      benchmark::DoNotOptimize(mac.data());
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void session_open(benchmark::State& state, Cards* cards, std::uint8_t level) {
  auto& reader = *cards->readers.at(static_cast<std::size_t>(state.thread_index()));
  host::gp::Scp03Options o;
  o.security_level = level;
  for (auto _ : state) {
    auto s = host::gp::Scp03Session::open(reader, o);
    benchmark::DoNotOptimize(s.get());
  }
  state.SetItemsProcessed(state.iterations());
}

void protected_apdu(benchmark::State& state, Cards* cards, std::uint8_t level) {
  auto& reader = *cards->readers.at(static_cast<std::size_t>(state.thread_index()));
  host::gp::Scp03Options o;
  o.security_level = level;
  auto s = host::gp::Scp03Session::open(reader, o);
  for (auto _ : state) {
    const auto r = s->transmit(kGetData);
    if (!r.ok()) {
      state.SkipWithError(("GET DATA answered " + to_hex(r.encode())).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void plain_apdu(benchmark::State& state, Cards* cards) {
  auto& reader = *cards->readers.at(static_cast<std::size_t>(state.thread_index()));
  if (!reader.transmit({0x00, 0xA4, 0x04, 0x00, host::gp::isd_aid(), 256, false}).ok())
    state.SkipWithError("SELECT of the ISD");
  for (auto _ : state) {
    const auto r = reader.transmit(kGetData);
    if (!r.ok()) {
      state.SkipWithError("GET DATA");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Cards cards;
  const double t = 0.3;

  const std::string setup = "gp_scp03_setup";
  bench::describe(
      setup,
      "One SCP03 secure channel set-up per item, in process: host::gp::Scp03Session::open over the "
      "InProcessReader (SELECT of the ISD, INITIALIZE UPDATE with its durable sequence counter, EXTERNAL "
      "AUTHENTICATE with its durable failure counter, both cryptograms checked), AES-128 key set 30, S8. "
      "Baseline: the 14 AES-CMACs (crypto::aes_cmac over 32 bytes) the protocol computes on both sides. "
      "With 2 threads each thread opens sessions to its own card (memory store).");
  benchmark::RegisterBenchmark((setup + "/baseline_aes_cmac_x14").c_str(), baseline_cmacs, kSetupCmacs)
      ->MinTime(t)
      ->UseRealTime();
  for (int threads : {1, 2})
    benchmark::RegisterBenchmark((setup + "/session_open_level01").c_str(), session_open, &cards,
                                 std::uint8_t{0x01})
        ->MinTime(t)
        ->UseRealTime()
        ->Threads(threads);
  benchmark::RegisterBenchmark((setup + "/session_open_level33").c_str(), session_open, &cards,
                               std::uint8_t{0x33})
      ->MinTime(t)
      ->UseRealTime();

  const std::string apdu = "gp_scp03_apdu";
  bench::describe(
      apdu,
      "One protected APDU per item through an open session: GET DATA '00C1' (the sequence counter, "
      "nothing written) via Scp03Session::transmit, wrapped by the terminal, unwrapped and answered by the "
      "ISD. Levels: 11 = C-MAC + R-MAC, 33 = also C-DECRYPTION and R-ENCRYPTION. Baseline: the 4 "
      "AES-CMACs of a level-11 APDU (C-MAC and R-MAC, each made and checked). `plain` = the same GET DATA "
      "without a session (the runtime's own cost).");
  benchmark::RegisterBenchmark((apdu + "/baseline_aes_cmac_x4").c_str(), baseline_cmacs, kApduCmacs)
      ->MinTime(t)
      ->UseRealTime();
  benchmark::RegisterBenchmark((apdu + "/plain").c_str(), plain_apdu, &cards)->MinTime(t)->UseRealTime();
  for (std::uint8_t level : {std::uint8_t{0x11}, std::uint8_t{0x33}}) {
    for (int threads : {1, 2}) {
      benchmark::RegisterBenchmark((apdu + "/level" + to_hex(Bytes{level})).c_str(), protected_apdu, &cards,
                                   level)
          ->MinTime(t)
          ->UseRealTime()
          ->Threads(threads);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
