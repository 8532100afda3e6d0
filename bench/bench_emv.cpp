// bench-links: sesame_host sesame_applets
// A full contactless purchase with CDA, in process: host/emv's POS kernel over the in-process
// reader against the hosted PPSE and payment applet (SELECT PPSE, SELECT, GPO, READ RECORDs,
// GENERATE AC asking for a TC with CDA; the kernel recovers the issuer and ICC certificates and
// verifies the signature). Against the floor measured in the same run: the one RSA private operation
// the card needs (the ICC key, same size) plus the SHA-1 hashes of the transaction data and of the
// signed dynamic data.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "applets/builtin.h"
#include "bench_env.h"
#include "card/card_service.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "host/emv/issuer_host.h"
#include "host/emv/kernel.h"
#include "host/emv/test_pki.h"
#include "host/in_process_reader.h"
#include "store/memory_store.h"
#include "util/hex.h"

namespace {

using namespace sesame;
namespace emv = sesame::host::emv;

iso7816::emv::CardData test_card() {
  iso7816::emv::CardData c;
  c.pan = "5413330089010608";
  c.psn = "01";
  c.expiry = "301231";
  c.effective = "240101";
  return c;
}

// A card that approves offline up to 255 consecutive purchases (its highest limit), so each timed item
// is one GENERATE AC with one CDA signature; an untimed online purchase every 200 items lets the
// issuer reset the offline counters.
struct HostedPayment {
  emv::TestPki pki = emv::make_test_pki(test_card());
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::AppletRegistry registry = applets::builtin_registry();
  card::CardService cards{*store, registry};
  std::string seid;
  std::unique_ptr<host::InProcessReader> reader;
  emv::TerminalConfig terminal;
  emv::Transaction txn;
  const SecureBytes imk{from_hex("0123456789ABCDEFFEDCBA9876543210")};
  emv::IssuerHost issuer{imk, 1};

  // Above the floor limit: the terminal goes online, the issuer approves and resets the counters.
  void online_reset() {
    emv::Transaction big = txn;
    big.amount = terminal.floor_limit + 1;
    const emv::Outcome o = emv::run_transaction(*reader, terminal, big,
                                                [this](const emv::AuthorisationRequest& r) { return issuer.authorise(r); });
    if (o.result != emv::Outcome::Result::approved || !o.online)
      throw std::runtime_error("online reset purchase failed: " + o.reason);
  }

  HostedPayment() {
    seid = cards.create_card({"bench-emv", ""});
    cards.install_applet(seid, "sesame.emv.ppse", as_bytes("2PAY.SYS.DDF01"), {});
    emv::ProfileOptions o;
    o.lower_consecutive = o.upper_consecutive = 255;
    o.lower_amount = o.upper_amount = 1000000000;
    const SecureString profile =
        emv::make_profile_json(test_card(), &pki, imk, o);
    cards.install_applet(seid, "sesame.emv.payment", from_hex("A0000000041010"), as_bytes(profile));
    reader = std::make_unique<host::InProcessReader>(cards, seid);
    reader->connect();
    terminal.ca_keys.push_back(pki.ca_public);
    terminal.floor_limit = 10000;
    terminal.tac_online = from_hex("0000008000");  // floor limit exceeded -> online
    txn.date = "261207";
    txn.amount = 100;
  }
};

void purchase(benchmark::State& state, HostedPayment* card) {
  card->online_reset();
  std::size_t since_reset = 0;
  for (auto _ : state) {
    if (++since_reset == 200) {
      state.PauseTiming();
      card->online_reset();
      since_reset = 0;
      state.ResumeTiming();
    }
    const emv::Outcome o = emv::run_transaction(*card->reader, card->terminal, card->txn, {});
    if (o.result != emv::Outcome::Result::approved || !o.cda_verified) {
      state.SkipWithError(("purchase not approved offline with CDA: " + o.reason).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void floor_rsa_and_hashes(benchmark::State& state, HostedPayment* card) {
  Bytes block = crypto::random_bytes(card->pki.icc.modulus_size());
  block[0] = 0x6A;  // below the modulus, as a formatted signature block is
  const Bytes transaction_data = crypto::random_bytes(180);
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::sha1(transaction_data));
    benchmark::DoNotOptimize(crypto::sha1(ByteView(block).subspan(1, block.size() - 22)));
    benchmark::DoNotOptimize(card->pki.icc.raw_private(block));
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  HostedPayment card;
  const std::string g = "emv_purchase";
  bench::describe(g, "One item = one complete contactless purchase in process, both sides on one thread: the "
                     "POS kernel (host/emv) over the in-process reader against the hosted PPSE and payment "
                     "applet (memory store): SELECT PPSE, SELECT, GPO, READ RECORDs, GENERATE AC for a TC with "
                     "CDA (the card increments and stores its ATC, signs, logs), and the kernel's offline data "
                     "authentication (CA -> issuer -> ICC certificate recovery, signature check; RSA public "
                     "exponent 3). The card approves offline (its limits are set out of reach). Baseline "
                     "`baseline_rsa_private_and_sha1` (the floor): the one RSA private operation with the ICC "
                     "key (" + std::to_string(card.pki.icc.modulus_size() * 8) +
                         " bits) plus SHA-1 over the transaction data and over the signed dynamic data. "
                         "Target: the purchase at most 1.3x the floor's time (>= 0.77x its rate).");
  bench::target(g, "sesame_purchase_cda", ">=", 1.0 / 1.3);
  benchmark::RegisterBenchmark((g + "/baseline_rsa_private_and_sha1").c_str(), floor_rsa_and_hashes, &card)
      ->Unit(benchmark::kMicrosecond);
  // A fixed count: the ATC has 16 bits, and every purchase spends one.
  benchmark::RegisterBenchmark((g + "/sesame_purchase_cda").c_str(), purchase, &card)
      ->Unit(benchmark::kMicrosecond)
      ->Iterations(600);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
