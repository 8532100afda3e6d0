// `sesame audit ...`: the tamper-evident audit log of the local state dir (docs/SIGNING.md).
//   sesame audit verify [--pubkey PEM] [--anchor SEQ:HASH]   check every entry; exit 1 at the first bad one
//   sesame audit show [--since N]                            print entries (decoded, not verified)
//   sesame audit append --actor .. --action .. [--object ..] [--decision allowed|denied|failed] [--detail ..]
//   sesame audit pubkey                                      the audit public key (PEM), to keep elsewhere
// The audit key is <state-dir>/audit.key (PKCS#8 PEM, mode 0600), made by the first append.
#pragma once

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace sesame::cli {

class AuditCommands {
 public:
  explicit AuditCommands(CLI::App& app);  // adds the "audit" subcommand tree
  ~AuditCommands();
  bool parsed() const;
  // Runs the parsed subcommand; throws sesame::Error on failure (a failed verification is
  // Error(Errc::integrity) naming the first bad entry and why).
  void run(const std::string& state_dir, const std::string& config_path);

  struct Options;  // the parsed command line (audit_commands.cpp)

 private:
  std::unique_ptr<Options> o_;
};

}  // namespace sesame::cli
