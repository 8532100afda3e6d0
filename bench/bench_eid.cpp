// bench-links: sesame_host sesame_applets PkgConfig::LIBEAC OpenSSL::Crypto
// eID PACE (PACE-ECDH-GM-AES-CBC-CMAC-128 on brainpoolP256r1, password CAN), both sides in this
// process, against two references measured in the same run:
//  - the floor: the elliptic-curve scalar multiplications the two sides of one PACE need (per side:
//    2 based on the standard generator, 3 on another point), with sesame's crypto/;
//  - OpenPACE (libeac) running the same PACE, both sides, handing its messages over directly (no
//    APDUs, no card runtime): the reference implementation's protocol cost.
// sesame's variants go the whole way: the terminal (host/eid) builds every APDU, the in-process
// reader hands it to the card runtime, the eID applet answers.
#include <benchmark/benchmark.h>
#include <eac/eac.h>
#include <eac/pace.h>
#include <openssl/buffer.h>

#include <cstring>
#include <memory>
#include <string>

#include "applets/builtin.h"
#include "applets/eid/eid_applet.h"
#include "bench_env.h"
#include "card/card_service.h"
#include "crypto/ec_point.h"
#include "crypto/random.h"
#include "host/eid/eid_terminal.h"
#include "host/in_process_reader.h"
#include "store/memory_store.h"
#include "util/tlv.h"

namespace {

using namespace sesame;
constexpr const char* kCan = "500540";

struct HostedEid {
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService cards{*store, registry};
  std::string seid = cards.create_card({.seid = "bench-eid", .label = ""});
  host::InProcessReader reader{cards, seid};

  HostedEid() {
    Bytes p;
    append_tlv(p, applets::eid::kTagPin, as_bytes("123456"));
    append_tlv(p, applets::eid::kTagCan, as_bytes(kCan));
    append_tlv(p, applets::eid::kTagPuk, as_bytes("12345678"));
    cards.install_applet(seid, applets::eid::kModuleName, applets::eid::module().default_instance_aid, p);
    reader.connect();
  }
  // The card's EF.CardAccess (SFI 1C), which OpenPACE is configured from.
  Bytes card_access() {
    reader.transmit({0x00, 0xA4, 0x04, 0x0C, applets::eid::module().default_instance_aid, 0, false});
    const auto r = reader.transmit({0x00, 0xB0, 0x9C, 0x00, {}, 256, false});
    if (r.sw != 0x9000) throw std::runtime_error("EF.CardAccess not readable");
    return r.data;
  }
};

void sesame_pace(benchmark::State& state, HostedEid* card, bool chip_authentication) {
  for (auto _ : state) {
    host::eid::EidTerminal t(card->reader);
    t.pace(host::eid::PacePassword::can(kCan));
    if (chip_authentication) benchmark::DoNotOptimize(t.chip_authentication());
    benchmark::DoNotOptimize(t.secure());
  }
  state.SetItemsProcessed(state.iterations());
}

// The floor of one PACE, both sides: 4 multiplications based on the standard generator (ephemeral
// mapping keys, G' = s·G + H) and 6 of another point (H twice, ephemeral keys over G', K twice).
void floor_scalar_multiplications(benchmark::State& state) {
  const auto c = crypto::Curve::brainpool_p256r1;
  const crypto::EcPoint g = crypto::EcPoint::generator(c);
  const SecureBytes k = crypto::random_secret(32);
  const crypto::EcPoint p = g.multiply(k.view());
  for (auto _ : state) {
    for (int i = 0; i < 4; ++i) benchmark::DoNotOptimize(crypto::multiply_generator_add(k.view(), p));
    for (int i = 0; i < 6; ++i) benchmark::DoNotOptimize(p.multiply(k.view()));
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- OpenPACE -------------------------------------------------------------------------------------

struct BufFree {
  void operator()(BUF_MEM* b) const noexcept { BUF_MEM_free(b); }
};
using Buf = std::unique_ptr<BUF_MEM, BufFree>;
struct CtxFree {
  void operator()(EAC_CTX* c) const noexcept { EAC_CTX_clear_free(c); }
};
using Ctx = std::unique_ptr<EAC_CTX, CtxFree>;
struct SecFree {
  void operator()(PACE_SEC* s) const noexcept { PACE_SEC_clear_free(s); }
};
using Sec = std::unique_ptr<PACE_SEC, SecFree>;

Ctx openpace_context(const Bytes& card_access) {
  Ctx c(EAC_CTX_new());
  if (!c || EAC_CTX_init_ef_cardaccess(card_access.data(), card_access.size(), c.get()) != 1)
    throw std::runtime_error("OpenPACE does not accept the EF.CardAccess");
  return c;
}

void openpace_pace(benchmark::State& state, const Bytes* card_access) {
  for (auto _ : state) {
    Ctx picc = openpace_context(*card_access), pcd = openpace_context(*card_access);
    Sec picc_secret(PACE_SEC_new(kCan, std::strlen(kCan), PACE_CAN));
    Sec pcd_secret(PACE_SEC_new(kCan, std::strlen(kCan), PACE_CAN));
    Buf nonce(PACE_STEP1_enc_nonce(picc.get(), picc_secret.get()));
    bool ok = nonce && PACE_STEP2_dec_nonce(pcd.get(), pcd_secret.get(), nonce.get()) == 1;
    Buf pcd_map(PACE_STEP3A_generate_mapping_data(pcd.get())), picc_map(PACE_STEP3A_generate_mapping_data(picc.get()));
    ok = ok && PACE_STEP3A_map_generator(pcd.get(), picc_map.get()) == 1 &&
         PACE_STEP3A_map_generator(picc.get(), pcd_map.get()) == 1;
    Buf pcd_eph(PACE_STEP3B_generate_ephemeral_key(pcd.get())), picc_eph(PACE_STEP3B_generate_ephemeral_key(picc.get()));
    ok = ok && PACE_STEP3B_compute_shared_secret(pcd.get(), picc_eph.get()) == 1 &&
         PACE_STEP3B_compute_shared_secret(picc.get(), pcd_eph.get()) == 1 && PACE_STEP3C_derive_keys(pcd.get()) == 1 &&
         PACE_STEP3C_derive_keys(picc.get()) == 1;
    Buf pcd_token(PACE_STEP3D_compute_authentication_token(pcd.get(), picc_eph.get()));
    Buf picc_token(PACE_STEP3D_compute_authentication_token(picc.get(), pcd_eph.get()));
    ok = ok && PACE_STEP3D_verify_authentication_token(pcd.get(), picc_token.get()) == 1 &&
         PACE_STEP3D_verify_authentication_token(picc.get(), pcd_token.get()) == 1;
    if (!ok) {
      state.SkipWithError("OpenPACE's PACE failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  EAC_init();
  HostedEid card;
  const Bytes card_access = card.card_access();

  const std::string g = "eid_pace";
  bench::describe(g, "One item = one complete PACE (PACE-ECDH-GM-AES-CBC-CMAC-128, brainpoolP256r1, CAN), "
                     "both sides in this process, on one thread. `sesame_pace`: host/eid's terminal over "
                     "the in-process reader against the hosted eID applet (every APDU built, dispatched "
                     "through the card runtime and answered; MSE:Set AT and four GENERAL AUTHENTICATEs). "
                     "`sesame_pace_chip_authentication`: the same, then Chip Authentication v1 (READ "
                     "BINARY of DG14 under secure messaging, MSE:Set AT, GENERAL AUTHENTICATE, new SM "
                     "keys). `openpace_pace`: OpenPACE (libeac " +
                         std::string("1.1.2, Debian") +
                         ") running both sides of the same PACE from our card's EF.CardAccess, messages "
                         "handed over in memory (no APDUs, no card). Baseline `baseline_scalar_"
                         "multiplications`: the floor, the 10 scalar multiplications one PACE needs (4 "
                         "generator-based, 6 on another point) with crypto/. Target: sesame's PACE at "
                         "most 1.2x the floor's time, i.e. >= 0.83x its rate; and faster than OpenPACE "
                         "(compare the two variants' ratios).");
  bench::target(g, "sesame_pace", ">=", 1.0 / 1.2);
  benchmark::RegisterBenchmark((g + "/baseline_scalar_multiplications").c_str(), floor_scalar_multiplications)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((g + "/sesame_pace").c_str(), sesame_pace, &card, false)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((g + "/sesame_pace_chip_authentication").c_str(), sesame_pace, &card, true)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((g + "/openpace_pace").c_str(), openpace_pace, &card_access)
      ->Unit(benchmark::kMillisecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
