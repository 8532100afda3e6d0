// Small helpers shared by the benchmark programs: where database files go, and removing them.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace sesame::bench {

// $BENCH_TMPDIR (scripts/run-bench makes a fresh one per program), else the system temp dir.
// It must be on a real disk: durable commits are measured by their fsyncs.
inline std::filesystem::path tmpdir() {
  const char* d = std::getenv("BENCH_TMPDIR");
  return d && *d ? std::filesystem::path(d) : std::filesystem::temp_directory_path();
}

// Removes an SQLite database together with its WAL and shared-memory files.
inline void remove_db(const std::string& path) {
  for (const char* ext : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + ext);
}

// A path under tmpdir() with no database left from an earlier run.
inline std::string fresh_db(const std::string& name) {
  std::string path = (tmpdir() / name).string();
  remove_db(path);
  return path;
}

// Repetitions for benchmarks that wait for the disk: $BENCH_REPETITIONS (default 5) times factor.
// Their fsync latency swings with other I/O on the machine, so they run more, shorter repetitions;
// interleaved in random order (scripts/run-bench), the baseline and its variants then sample the
// same disk conditions and the medians stay comparable.
inline int repetitions(int factor) {
  const char* r = std::getenv("BENCH_REPETITIONS");
  const int n = r && *r ? std::atoi(r) : 5;
  return (n > 0 ? n : 5) * factor;
}

// What a group measures and what its baseline is, exactly; scripts/perf-report.py prints it under
// the group's table (it travels in the JSON output's context). Call before running.
inline void describe(const std::string& group, const std::string& text) {
  benchmark::AddCustomContext("group:" + group, text);
}

// A target the report checks: the median of `variant` divided by the baseline's median must be
// `op` (">=" or ">") `ratio`.
inline void target(const std::string& group, const std::string& variant, const std::string& op,
                   double ratio) {
  benchmark::AddCustomContext("target:" + group, variant + " " + op + " " + std::to_string(ratio));
}

// A bound on a counter of `variant` (its median over the repetitions), checked by the report:
// e.g. limit(group, "racs_read_binary", "p99_us", "<", 1000). One per group and counter.
inline void limit(const std::string& group, const std::string& variant, const std::string& counter,
                  const std::string& op, double value) {
  benchmark::AddCustomContext("limit:" + group + ":" + counter, variant + " " + op + " " + std::to_string(value));
}

}  // namespace sesame::bench
