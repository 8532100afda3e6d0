// bench-links: sesame_host sesame_applets
// eID: PACE (CAN, brainpoolP256r1, both sides in this process through the in-process reader), PACE
// plus Chip Authentication, and the floor: the elliptic-curve scalar multiplications the two sides
// of one PACE need (per side: 2 with the standard generator, 3 with another point), measured in the
// same run. Not yet here: OpenPACE doing the same PACE (the comparison; see docs/EID.md).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "applets/builtin.h"
#include "applets/eid/eid_applet.h"
#include "card/card_service.h"
#include "crypto/ec_point.h"
#include "crypto/random.h"
#include "host/eid/eid_terminal.h"
#include "host/in_process_reader.h"
#include "store/memory_store.h"
#include "util/tlv.h"

namespace {

using namespace sesame;

struct HostedEid {
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService cards{*store, registry};
  std::string seid = cards.create_card({.seid = "bench-eid", .label = ""});
  host::InProcessReader reader{cards, seid};

  HostedEid() {
    Bytes p;
    append_tlv(p, applets::eid::kTagPin, as_bytes("123456"));
    append_tlv(p, applets::eid::kTagCan, as_bytes("500540"));
    append_tlv(p, applets::eid::kTagPuk, as_bytes("12345678"));
    cards.install_applet(seid, applets::eid::kModuleName, applets::eid::module().default_instance_aid, p);
    reader.connect();
  }
};

void BM_EidPaceInProcess(benchmark::State& state) {
  HostedEid card;
  for (auto _ : state) {
    host::eid::EidTerminal t(card.reader);
    t.pace(host::eid::PacePassword::can("500540"));
    benchmark::DoNotOptimize(t.secure());
  }
}
BENCHMARK(BM_EidPaceInProcess)->Unit(benchmark::kMillisecond);

void BM_EidPaceAndChipAuthenticationInProcess(benchmark::State& state) {
  HostedEid card;
  for (auto _ : state) {
    host::eid::EidTerminal t(card.reader);
    t.pace(host::eid::PacePassword::can("500540"));
    benchmark::DoNotOptimize(t.chip_authentication());
  }
}
BENCHMARK(BM_EidPaceAndChipAuthenticationInProcess)->Unit(benchmark::kMillisecond);

// The floor of one PACE, both sides: 4 multiplications of the standard generator and 6 of another
// point (mapping keys, H, s·G, ephemeral keys over G', the shared secret).
void BM_EidPaceFloorScalarMultiplications(benchmark::State& state) {
  const auto c = crypto::Curve::brainpool_p256r1;
  const crypto::EcPoint g = crypto::EcPoint::generator(c);
  const SecureBytes k = crypto::random_secret(32);
  const crypto::EcPoint p = g.multiply(k.view());
  for (auto _ : state) {
    for (int i = 0; i < 4; ++i) benchmark::DoNotOptimize(crypto::multiply_generator_add(k.view(), p));
    for (int i = 0; i < 6; ++i) benchmark::DoNotOptimize(p.multiply(k.view()));
  }
}
BENCHMARK(BM_EidPaceFloorScalarMultiplications)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
