// RACS round trips over loopback TLS 1.3 with mutual authentication: sesamed's real RACS listener
// (as sesamed runs it: racs.io_threads I/O threads, one per hardware thread but one by default, each
// session's card work inline on the one thread of its loop) serving demo cards on the
// memory store, against the floor, a plain TLS server with the same framing and the same response
// bytes answering on its I/O thread. 1, 64 and 1024 persistent sessions, one card per session,
// multiplexed on the client thread(s) (bench/racs_load.h); each iteration is a fixed wall-clock
// window, so items/s is the APDUs answered in it and p50/p99 are the round-trip latencies seen by
// the client. See the group descriptions in main() for exactly what each variant does.
//
// bench-links: sesame_server_lib OpenSSL::SSL Threads::Threads
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <functional>
#include <string>
#include <vector>

#include "bench_env.h"
#include "racs_load.h"
#include "racs_servers.h"
#include "store/sqlite_store.h"

namespace {

using namespace sesame::bench::racs;
namespace bench = sesame::bench;

constexpr std::size_t kMaxSessions = 1024;  // also racs.max_sessions' default
constexpr std::size_t kMidSessions = 64;
constexpr auto kPace = std::chrono::milliseconds(10);  // paced group: 100 APDUs/s per session

double env_double(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atof(v) : fallback;
}

Clock::duration seconds(double s) { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); }

// One server as the client sees it: the session set opened to it and its I/O threads' CPU clock.
struct Target {
  LoadClient* client;
  std::size_t set;
  std::function<double()> io_cpu;
  int io_threads;
};

void round_trips(benchmark::State& state, Target t, std::size_t sessions, Clock::duration pace) {
  const auto warmup = seconds(env_double("RACS_BENCH_WARMUP", 0.3));
  const auto measure = seconds(env_double("RACS_BENCH_SECONDS", 1.0));
  WindowResult r;
  for (auto _ : state) {
    try {
      r = t.client->run(t.set, sessions, warmup, measure, pace, t.io_cpu);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
    state.SetIterationTime(r.seconds);
    if (r.errors) {
      state.SkipWithError((std::to_string(r.errors) + " errors, first: " + r.first_error).c_str());
      break;
    }
  }
  if (!r.count) return;
  const double n = static_cast<double>(r.count);
  state.SetItemsProcessed(static_cast<std::int64_t>(r.count));
  state.counters["p50_us"] = r.p50_us;
  state.counters["p99_us"] = r.p99_us;
  // Everything but the client threads (the other servers are idle meanwhile).
  state.counters["server_cpu_us"] = (r.process_cpu - r.client_cpu) / n * 1e6;
  state.counters["client_cpu_us"] = r.client_cpu / n * 1e6;
  state.counters["io_busy"] = r.server_io_cpu / r.seconds / t.io_threads;
  state.counters["process_cores"] = r.process_cpu / r.seconds;  // how much CPU the run got
}

// The floor of the durable group: no transport, `threads` threads each sending `apdu_hex` to its own
// card (card-0000...) with CardService::transmit, which waits for the durable commit; the store's
// writer groups the commits that queue up meanwhile.
void in_process(benchmark::State& state, sesame::card::CardService* cards, std::size_t threads, std::string apdu_hex) {
  const auto warmup = seconds(env_double("RACS_BENCH_WARMUP", 0.3));
  const auto measure = seconds(env_double("RACS_BENCH_SECONDS", 1.0));
  const sesame::Bytes apdu = sesame::from_hex(apdu_hex);
  std::vector<double> all;
  std::size_t errors = 0;
  for (auto _ : state) {
    std::atomic<int> phase{0};  // 0 warm-up, 1 measured, 2 stop
    std::atomic<std::size_t> failed{0};
    std::vector<std::vector<double>> lat(threads);
    std::vector<std::thread> ts;
    for (std::size_t i = 0; i < threads; ++i) {
      ts.emplace_back([&, i] {
        auto card = cards->handle(seid_of(i));
        while (phase.load() != 2) {
          const auto t0 = Clock::now();
          const sesame::Bytes r = cards->transmit(card, apdu);
          const auto t1 = Clock::now();
          if (r.size() < 2 || r[r.size() - 2] != 0x90 || r.back() != 0x00) ++failed;
          if (phase.load() == 1) lat[i].push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        }
      });
    }
    std::this_thread::sleep_for(warmup);
    phase = 1;
    const auto start = Clock::now();
    std::this_thread::sleep_for(measure);
    phase = 2;
    const auto end = Clock::now();
    for (auto& t : ts) t.join();
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
    all.clear();
    for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
    errors = failed.load();
  }
  if (errors) return state.SkipWithError((std::to_string(errors) + " APDUs failed").c_str());
  if (all.empty()) return;
  std::sort(all.begin(), all.end());
  state.SetItemsProcessed(static_cast<std::int64_t>(all.size()));
  state.counters["p50_us"] = all[all.size() / 2];
  state.counters["p99_us"] = all[std::min(all.size() - 1, all.size() * 99 / 100)];
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  spdlog::set_level(spdlog::level::warn);  // no per-session info lines
  raise_fd_limit(4 * kMaxSessions + 1024);  // both ends of every session live in this process
  const int client_threads = std::max(1, static_cast<int>(env_double("RACS_BENCH_CLIENT_THREADS", 1)));

  const std::filesystem::path pki_dir = bench::tmpdir() / "racs-pki";
  std::filesystem::create_directories(pki_dir);
  const Pki pki = Pki::make(pki_dir);
  RacsServer racs(kMaxSessions, pki.server);
  // The default before D16: one loop per hardware thread.
  const std::size_t all_cores = std::max(1u, std::thread::hardware_concurrency());
  RacsServer racs2(kMidSessions, pki.server, all_cores);
  // Durable: demo cards on the SQLite store (WAL, synchronous=FULL, group commit), each APDU
  // incrementing its card's persistent counter: one commit per APDU.
  const sesame::SecureBytes durable_master(sesame::ByteView(sesame::Bytes(32, 0x5B)));
  RacsServer durable(kMidSessions, pki.server, 0,
                     sesame::store::open_sqlite_store(bench::fresh_db("racs-durable.db"), sesame::SecureBytes(durable_master.view())));
  RacsServer durable1(kMidSessions, pki.server, all_cores,
                      sesame::store::open_sqlite_store(bench::fresh_db("racs-durable-all-cores.db"), sesame::SecureBytes(durable_master.view())));
  RacsServer durable_floor(kMidSessions, pki.server, 1,
                           sesame::store::open_sqlite_store(bench::fresh_db("racs-durable-floor.db"), sesame::SecureBytes(durable_master.view())));
  for (std::size_t i = 0; i < kMidSessions; ++i) durable_floor.cards().transmit(seid_of(i), sesame::from_hex(kSelectHex));
  EchoServer echo(pki.server);
  EchoServer echo_n(pki.server, all_cores);  // as many loops as racs2
  LoadClient client(pki.client, client_threads);

  std::vector<std::string> steady, setup;
  for (std::size_t i = 0; i < kMaxSessions; ++i) {
    steady.push_back(apdu_request(seid_of(i), kReadHex));
    setup.push_back(apdu_request(seid_of(i), kSelectHex));  // takes the card and opens the APDU firewall
  }
  const std::vector<std::string> steady_mid(steady.begin(), steady.begin() + kMidSessions);
  const std::vector<std::string> setup_mid(setup.begin(), setup.begin() + kMidSessions);
  std::size_t racs_set = 0, racs2_set = 0, echo_set = 0, echo_n_set = 0, durable_set = 0, durable1_set = 0;
  std::vector<std::string> counter_mid;
  for (std::size_t i = 0; i < kMidSessions; ++i) counter_mid.push_back(apdu_request(seid_of(i), kCounterHex));
  std::string response;
  try {
    racs_set = client.open(racs.port(), steady, setup);
    response = client.sample_response(racs_set);
    client.set_expected(racs_set, response);
    racs2_set = client.open(racs2.port(), steady_mid, setup_mid);
    client.set_expected(racs2_set, response);
    echo.set_response(response);
    echo_set = client.open(echo.port(), steady, {});
    client.set_expected(echo_set, response);
    echo_n.set_response(response);
    echo_n_set = client.open(echo_n.port(), steady_mid, {});
    client.set_expected(echo_n_set, response);
    // No expected response: the counter's value changes; any "+006 001 ...9000" is accepted.
    durable_set = client.open(durable.port(), counter_mid, setup_mid);
    durable1_set = client.open(durable1.port(), counter_mid, setup_mid);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_racs: setup failed: %s\n", e.what());
    return 1;
  }
  const Target t_racs{&client, racs_set, [&] { return racs.io_cpu_seconds(); }, racs.io_thread_count()};
  const Target t_racs2{&client, racs2_set, [&] { return racs2.io_cpu_seconds(); }, racs2.io_thread_count()};
  const Target t_echo{&client, echo_set, [&] { return echo.io_cpu_seconds(); }, 1};
  const Target t_durable{&client, durable_set, [&] { return durable.io_cpu_seconds(); }, durable.io_thread_count()};
  const Target t_durable1{&client, durable1_set, [&] { return durable1.io_cpu_seconds(); }, durable1.io_thread_count()};
  const Target t_echo_n{&client, echo_n_set, [&] { return echo_n.io_cpu_seconds(); }, echo_n.io_thread_count()};

  std::string wire = "`" + steady[0].substr(0, steady[0].size() - 1) + "`";
  for (auto at = wire.find('\n'); at != std::string::npos; at = wire.find('\n')) wire.replace(at, 1, "\\n");
  const std::string common =
      "One item = one RACS request " + wire + " (READ BINARY of the demo applet's EF.INFO, " +
      std::to_string(steady[0].size()) + " bytes) answered with its " + std::to_string(response.size()) +
      "-byte response, over loopback " + echo.tls_summary() +
      " with a client certificate (dev PKI, ECDSA P-256), on persistent sessions, each with one request in "
      "flight. `racs_read_binary`: sesamed's RacsListener as sesamed runs it (" +
      std::to_string(racs.io_thread_count()) +
      " I/O thread(s), racs.io_threads' default of one per hardware thread but one (D16); each request is parsed and sent "
      "to the card inline on its session's loop, one io_context and thread per racs.io_threads) serving " +
      std::to_string(kMaxSessions) +
      " demo cards on the memory store, one card per session (taken and SELECTed once when the session "
      "opened). Baseline `baseline_tls_echo` (the floor): a TLS server on one I/O thread with the same TLS "
      "context and framing that reads up to the line END and writes back the same response bytes, without "
      "RACS parsing, card or thread hop. The client runs " +
      std::to_string(client_threads) +
      " thread(s) of Asio in the same process, with the servers' threads, on the same cores. Columns: "
      "latency percentiles over the window's round trips as the client sees them; server CPU per item = "
      "process CPU minus the client threads' CPU, per APDU; server I/O busy = CPU of the server's I/O "
      "thread(s) / wall time (per thread); process cores = CPU of the whole benchmark process (client and "
      "servers) / wall time: below the machine's core count, other processes had the rest.";
  const std::string g1 = "racs_apdu_1session", g64 = "racs_apdu_64sessions", g1024 = "racs_apdu_1024sessions",
                    gp = "racs_apdu_64sessions_paced";
  bench::describe(g1, "1 session, closed loop (the next request when the response is in). " + common);
  const std::string same = " Otherwise as in `" + g1 + "`.";
  bench::describe(g64, std::to_string(kMidSessions) + " sessions, closed loop." + same +
                           " `racs_read_binary_all_cores`: a second listener with the same setup but one loop per "
                           "hardware thread (racs.io_threads = " + std::to_string(all_cores) +
                           ", the default before D16), " + std::to_string(kMidSessions) +
                           " sessions of its own. `tls_echo_same_threads`: the echo server on as many loops as "
                           "`racs_read_binary_all_cores` has (" + std::to_string(all_cores) +
                           "), for comparing like with like: on a 2-core host the load client shares the cores, "
                           "and a second server thread mostly sleeps and wakes (preempting the client) instead of "
                           "adding throughput. Closed loop, so by Little's law latency = sessions / "
                           "throughput: p99 under 1 ms at 64 sessions needs well over 64k APDUs/s.");
  bench::describe(g1024, std::to_string(kMaxSessions) + " sessions (racs.max_sessions' default), closed loop." + same);
  bench::describe(gp, std::to_string(kMidSessions) + " sessions, paced: each session sends one request every " +
                          std::to_string(kPace.count()) + " ms (" +
                          std::to_string(kMidSessions * 1000 / static_cast<std::size_t>(kPace.count())) +
                          " APDUs/s offered; phases spread evenly), latency counted from the scheduled send "
                          "time so a late send counts as waiting. Items/s only confirms the offered rate was "
                          "served; the latency columns are the point." +
                          same);
  const std::string gd = "racs_durable_64sessions";
  bench::describe(gd, std::to_string(kMidSessions) +
                          " sessions, closed loop, each sending `" + kCounterHex +
                          "` (demo applet: increment the card's persistent 4-byte counter) to its own card on the "
                          "SQLite store (WAL, synchronous=FULL, group commit; $BENCH_TMPDIR): one durable commit per "
                          "APDU. The listener submits each APDU's commit and sends the response once the store "
                          "reports it durable, serving other sessions meanwhile, so the commits of many sessions "
                          "share one fsync. `racs_counter`: racs.io_threads' default; `racs_counter_all_cores`: one "
                          "loop per hardware thread. Baseline `baseline_in_process` (the floor, no transport): " +
                          std::to_string(kMidSessions) +
                          " threads each sending the same APDU to its own card of a third SQLite store with "
                          "CardService::transmit, which waits for the commit. Otherwise as in `racs_apdu_1session`.");
  bench::target(g64, "racs_read_binary", ">=", 0.8);
  bench::limit(g64, "racs_read_binary", "p99_us", "<", 1000);
  bench::limit(gp, "racs_read_binary_paced", "p99_us", "<", 1000);

  auto reg = [](const std::string& name, Target t, std::size_t n, Clock::duration pace) {
    benchmark::RegisterBenchmark(name.c_str(), round_trips, t, n, pace)->Iterations(1)->UseManualTime();
  };
  const auto closed = Clock::duration::zero();
  reg(g1 + "/baseline_tls_echo", t_echo, 1, closed);
  reg(g1 + "/racs_read_binary", t_racs, 1, closed);
  reg(g64 + "/baseline_tls_echo", t_echo, kMidSessions, closed);
  reg(g64 + "/racs_read_binary", t_racs, kMidSessions, closed);
  reg(g64 + "/racs_read_binary_all_cores", t_racs2, kMidSessions, closed);
  reg(g64 + "/tls_echo_same_threads", t_echo_n, kMidSessions, closed);
  benchmark::RegisterBenchmark((gd + "/baseline_in_process").c_str(), in_process, &durable_floor.cards(), kMidSessions,
                               kCounterHex)
      ->Iterations(1)
      ->UseManualTime();
  reg(gd + "/racs_counter", t_durable, kMidSessions, closed);
  reg(gd + "/racs_counter_all_cores", t_durable1, kMidSessions, closed);
  reg(g1024 + "/baseline_tls_echo", t_echo, kMaxSessions, closed);
  reg(g1024 + "/racs_read_binary", t_racs, kMaxSessions, closed);
  reg(gp + "/baseline_tls_echo_paced", t_echo, kMidSessions, kPace);
  reg(gp + "/racs_read_binary_paced", t_racs, kMidSessions, kPace);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  client.close_all();
  return 0;
}
