// RACS soak: N mutually authenticated TLS sessions (default 1024, racs.max_sessions' default) held
// open against sesamed's RACS listener for a while, each busy at a modest rate, counting every
// error; the server's resident memory is read before and after the sessions open, so the memory
// one idle session costs is measured rather than guessed.
//
// The server runs in a child process (sesamed's RacsListener as sesamed runs it, racs.io_threads'
// default of one I/O thread per hardware thread but one (D16), N demo cards on the memory store), so its RSS
// holds no client state; the client (one Asio thread) runs here. Steps, all sessions at once:
//   1. RSS of the started server (cards created, nothing connected)
//   2. N sessions connected and handshaken (TLS 1.3, client certificate), nothing sent: "idle"
//   3. each session SELECTs the demo applet on its own card (card taken and powered): "selected"
//   4. each session sends READ BINARY every interval for the duration (latency from scheduled time)
//   5. each session sends one more request (all must still be open), RSS again
// Writes a JSON summary (perf-report.py renders it into docs/PERFORMANCE.md) and prints it.
//
//   racs_soak [--sessions N] [--seconds S] [--interval-ms MS] [--out FILE]
//   S defaults to $SOAK_SECONDS, else 60. Exit status 1 if any error was seen.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_env.h"
#include "racs_load.h"
#include "racs_servers.h"

namespace {

using namespace sesame::bench::racs;
using namespace std::chrono_literals;

long rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

// The child: serves until SIGTERM. Writes the port to `fd` once listening.
[[noreturn]] void serve(std::size_t sessions, const Pki& pki, int fd) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread exists: they all inherit it
  int code = 0;
  try {
    RacsServer server(sessions, pki.server);
    const std::uint16_t port = server.port();
    if (write(fd, &port, sizeof port) != static_cast<ssize_t>(sizeof port)) _exit(1);
    close(fd);
    int sig = 0;
    sigwait(&set, &sig);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "racs_soak server: %s\n", e.what());
    code = 1;
  }
  _exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t sessions = 1024;
  const char* env_seconds = std::getenv("SOAK_SECONDS");
  double seconds = env_seconds && *env_seconds ? std::atof(env_seconds) : 60;
  long interval_ms = 500;
  std::string out;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--sessions") sessions = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (a == "--interval-ms") interval_ms = std::atol(argv[i + 1]);
    else if (a == "--out") out = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: racs_soak [--sessions N] [--seconds S] [--interval-ms MS] [--out FILE]\n");
      return 2;
    }
  }
  if (sessions == 0 || seconds <= 0 || interval_ms <= 0) {
    std::fprintf(stderr, "racs_soak: sessions, seconds and interval must be positive\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  raise_fd_limit(sessions + 256);

  const std::filesystem::path pki_dir = sesame::bench::tmpdir() / "racs-soak-pki";
  std::filesystem::create_directories(pki_dir);
  const Pki pki = Pki::make(pki_dir);
  int fds[2];
  if (pipe(fds) != 0) return 1;
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    close(fds[0]);
    serve(sessions, pki, fds[1]);
  }
  close(fds[1]);
  std::uint16_t port = 0;
  const bool got_port = read(fds[0], &port, sizeof port) == static_cast<ssize_t>(sizeof port);
  close(fds[0]);

  nlohmann::json j;
  j["sessions"] = sessions;
  j["seconds"] = seconds;
  j["interval_ms"] = interval_ms;
  j["server"] = "sesamed's RacsListener in a child process: " +
                std::to_string(sesame::server::racs::io_thread_count(sesame::server::racs::RacsConfig{})) +
                " I/O thread(s) (racs.io_threads' default), card work inline, " + std::to_string(sessions) +
                " demo cards on the memory store";
  std::uint64_t errors = 0;
  std::string first_error;
  auto note_error = [&](const std::string& e) {
    if (errors++ == 0) first_error = e;
    std::fprintf(stderr, "racs_soak: %s\n", e.c_str());
  };
  if (!got_port) note_error("the server did not start");

  if (got_port) {
    LoadClient client(pki.client, 1);
    std::vector<std::string> steady, setup;
    for (std::size_t i = 0; i < sessions; ++i) {
      steady.push_back(apdu_request(seid_of(i), kReadHex));
      setup.push_back(apdu_request(seid_of(i), kSelectHex));
    }
    try {
      std::this_thread::sleep_for(500ms);
      const long before = rss_kib(child);
      const auto t0 = Clock::now();
      const std::size_t set = client.open(port, steady, {});
      j["open_seconds"] = std::chrono::duration<double>(Clock::now() - t0).count();
      std::this_thread::sleep_for(1s);
      const long idle = rss_kib(child);
      client.exchange_all(set, setup);
      std::this_thread::sleep_for(1s);
      const long selected = rss_kib(child);
      std::fprintf(stderr, "racs_soak: %zu sessions open; %g s at one READ BINARY per %ld ms each\n", sessions,
                   seconds, interval_ms);
      const WindowResult r = client.run(set, sessions, Clock::duration::zero(),
                                        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)),
                                        std::chrono::milliseconds(interval_ms));
      if (r.errors) {
        errors += r.errors - 1;
        note_error(r.first_error);
      }
      client.exchange_all(set, steady);  // every session still open and answering
      const long after = rss_kib(child);
      j["apdus"] = r.count;
      j["apdus_per_second"] = static_cast<double>(r.count) / r.seconds;
      j["p50_us"] = r.p50_us;
      j["p99_us"] = r.p99_us;
      j["max_us"] = r.max_us;
      j["rss_kib"] = {{"before", before}, {"idle", idle}, {"selected", selected}, {"after_load", after}};
      j["idle_bytes_per_session"] = static_cast<double>(idle - before) * 1024 / static_cast<double>(sessions);
      j["selected_bytes_per_session"] = static_cast<double>(selected - before) * 1024 / static_cast<double>(sessions);
      client.close_all();
    } catch (const std::exception& e) {
      note_error(e.what());
    }
  }
  kill(child, SIGTERM);
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) note_error("the server process did not exit cleanly");
  j["errors"] = errors;
  j["first_error"] = first_error;
  const nlohmann::json doc = {{"sesame_soak", j}};
  std::printf("%s\n", doc.dump(2).c_str());
  if (!out.empty()) std::ofstream(out) << doc.dump(2) << "\n";
  return errors ? 1 : 0;
}
