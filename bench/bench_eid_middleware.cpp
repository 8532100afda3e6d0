// bench-links: sesame_server_lib sesame_applets
// The eID split middleware end to end over loopback TLS: `sesame eid present`'s front end
// (host/eid/eid_front_end.h: PACE with the PIN against a hosted card in process, DG14, the sealed
// handover, the relay over HTTPS with the back end pinned by its CA) against sesamed's verifier
// (server/eid_routes.h on an HttpsListener with one I/O loop, services/eid_verifier: Chip
// Authentication, DG1/DG13/EF.SOD, passive authentication, the signed DigitalID). One item = one
// whole transaction; the counters p50_ms / p99_ms are per transaction. `kept_connection`: one TLS
// connection for every transaction (a phone that stays connected); `new_connection`: a full TLS
// handshake per transaction. Baseline: `in_process_no_tls`, the same flow with the back end called
// directly (no HTTP, no TLS): the cost of the cryptography and the card, which the network adds to.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "applets/builtin.h"
#include "bench_env.h"
#include "card/card_service.h"
#include "crypto/any_key.h"
#include "crypto/random.h"
#include "crypto/tls_context.h"
#include "host/eid/eid_back_end_client.h"
#include "host/eid/eid_front_end.h"
#include "host/eid/eid_issuance.h"
#include "host/eid/icao_pki.h"
#include "host/in_process_reader.h"
#include "server/dev_pki.h"
#include "server/eid_routes.h"
#include "server/file_io.h"
#include "server/http/https_listener.h"
#include "server/io_loops.h"
#include "services/eid_verifier/eid_verifier.h"
#include "store/memory_store.h"

namespace {

using namespace sesame;
namespace fs = std::filesystem;
namespace he = host::eid;
using Clock = std::chrono::steady_clock;

constexpr const char* kIdentity = R"({"document_type": "ID", "issuing_state": "UTO",
  "document_number": "D23145890", "surname": "Eriksson", "given_names": "Anna Maria",
  "nationality": "UTO", "date_of_birth": "1974-08-12", "sex": "F", "date_of_expiry": "2034-04-15",
  "address": "12 rue de l'Exemple, Utopia"})";

struct World {
  fs::path state = bench::tmpdir() / ("sesame-bench-eid-mw-" + std::to_string(::getpid()));
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService cards{*store, registry};
  std::unique_ptr<host::InProcessReader> reader;
  std::unique_ptr<server::EidApi> api;
  server::http::Router router;
  std::unique_ptr<server::IoLoops> loops;
  std::unique_ptr<server::http::HttpsListener> listener;
  server::DevPki pki;
  std::atomic<int> tx{0};

  World() {
    fs::remove_all(state);
    fs::create_directories(state / "eid" / "csca");
    pki = server::ensure_dev_pki(state / "pki");
    he::CscaProfile cp;
    cp.country = "UT";
    const crypto::PrivateKey csca_key = crypto::EcPrivateKey::generate(crypto::Curve::p384);
    const crypto::Certificate csca = he::make_csca(cp, csca_key);
    const crypto::PrivateKey ds_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
    const crypto::Certificate ds =
        he::make_document_signer({}, crypto::public_key_of(ds_key), csca, csca_key);
    const std::string pem = csca.pem();
    server::write_file_atomic(state / "eid" / "csca" / "csca.pem", as_bytes(pem), 0644);
    he::EidSecrets s;
    s.pin = "123456";
    s.can = "500540";
    s.puk = "1234567890";
    const he::IssuedEid issued = he::issue_eid(he::parse_identity_json(kIdentity), s, ds, ds_key);
    const std::string seid = cards.create_card({.seid = "anna", .label = ""});
    cards.install_applet(seid, "sesame.eid", Bytes{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01},
                         issued.install_params.view());
    reader = std::make_unique<host::InProcessReader>(cards, seid);

    api = server::EidApi::load(state, state / "pki");
    api->add_routes(router);
    crypto::TlsServerConfig tc{crypto::TlsIdentity::from_pem_files(pki.server_cert, pki.server_key),
                               crypto::load_certificate_bundle(pki.ca_cert)};
    tc.client_certificate_required = false;
    static const crypto::TlsContext tls = crypto::TlsContext::make_server(tc);
    loops = std::make_unique<server::IoLoops>(1);
    listener = std::make_unique<server::http::HttpsListener>(*loops, tls, router, "127.0.0.1", 0);
    listener->start();
    loops->run_threads();
  }
  ~World() {
    listener->stop();
    loops->release();
    loops->join_threads();
    listener.reset();
    loops.reset();
    fs::remove_all(state);
  }
  he::BackEndEndpoint endpoint() const {
    return he::BackEndEndpoint{
        "localhost", listener->port(), pki.ca_cert, {}, std::chrono::milliseconds(15000)};
  }
  std::string next_tx() { return "bench-tx-" + std::to_string(tx++); }
};

// The in-process link (no HTTP, no TLS) for the baseline.
class DirectLink final : public he::BackEndLink {
 public:
  explicit DirectLink(services::eid::EidVerifier& v) : v_(&v) {}
  crypto::EcPublicKey handover_key() override { return v_->handover_public_key(); }
  Bytes start(const std::string& tx, const crypto::EcdhEnvelope& h) override { return v_->start(tx, h); }
  std::optional<Bytes> respond(const std::string& tx, ByteView r) override {
    const services::eid::SessionStep s = v_->respond(tx, r);
    if (s.kind == services::eid::SessionStep::Kind::failed) throw he::BackEndRefused(s.failure);
    if (s.kind == services::eid::SessionStep::Kind::done) return std::nullopt;
    return s.command;
  }

 private:
  services::eid::EidVerifier* v_;
};

void report(benchmark::State& state, std::vector<double>& ms) {
  std::sort(ms.begin(), ms.end());
  if (!ms.empty()) {
    state.counters["p50_ms"] = ms[ms.size() / 2];
    state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  }
  state.SetItemsProcessed(state.iterations());
}

void flow(benchmark::State& state, World* w, int mode) {  // 0 direct, 1 kept connection, 2 new connection
  std::unique_ptr<he::BackEndLink> kept;
  if (mode == 0) kept = std::make_unique<DirectLink>(w->api->verifier());
  if (mode == 1) kept = std::make_unique<he::HttpsBackEndLink>(w->endpoint());
  he::PresentOptions options;
  options.handover_key = w->api->verifier().handover_public_key();  // pinned out of band
  std::vector<double> ms;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    std::unique_ptr<he::BackEndLink> fresh;
    if (mode == 2) fresh = std::make_unique<he::HttpsBackEndLink>(w->endpoint());
    he::BackEndLink& link = mode == 2 ? *fresh : *kept;
    const std::string tx = w->next_tx();
    w->reader->connect();
    he::present_eid(*w->reader, he::PacePassword::pin("123456"), tx, link, options);
    fresh.reset();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (w->api->verifier().status(tx).state != services::eid::TransactionStatus::State::verified) {
      state.SkipWithError("the transaction was not verified");
      break;
    }
  }
  report(state, ms);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  World world;
  const std::string g = "eid_middleware";
  bench::describe(g,
                  "One item = one whole split-middleware transaction: PACE with the PIN (hosted card in "
                  "process), DG14, the sealed handover, then the back end's Chip Authentication, DG1, DG13 "
                  "and EF.SOD relayed by the front end, passive authentication and the signed DigitalID. "
                  "`kept_connection`: HTTPS over loopback on one TLS connection; `new_connection`: a TLS "
                  "handshake per transaction. Baseline `baseline_in_process_no_tls`: the same flow with the "
                  "back end called directly. Counters p50_ms / p99_ms: per-transaction latency.");
  benchmark::RegisterBenchmark((g + "/baseline_in_process_no_tls").c_str(), flow, &world, 0)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((g + "/kept_connection").c_str(), flow, &world, 1)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((g + "/new_connection").c_str(), flow, &world, 2)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
