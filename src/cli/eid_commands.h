// `sesame eid ...`: issue an eID card into the local state dir and read/verify one (docs/EID.md).
//   sesame eid issue --identity id.json --pki D [--seid S] [--pin P --can C --puk K] [--parameter-id 13]
//   sesame eid read [SEID | --url racs://host/SEID | --pcsc READER] [--pin P | --can C | --mrz DOC,YYMMDD,YYMMDD]
//                   --csca csca.pem [--crl crl.pem]
//   sesame eid present [SEID | --url ... | --pcsc ...] --back-end https://host:port
//                      (--back-end-ca ca.pem | --back-end-sha256 HEX) --transaction TX [--pin P]
// `read` asks for the PIN on the terminal (no echo) when no password is given; it exits non-zero
// when any check fails.
#pragma once

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace sesame::cli {

class EidCommands {
 public:
  explicit EidCommands(CLI::App& app);  // adds the "eid" subcommand tree
  ~EidCommands();
  bool parsed() const;
  // Runs the parsed subcommand: 0, or 1 when a read check failed (already printed). Throws
  // sesame::Error for other failures.
  int run(const std::string& state_dir, const std::string& config_path);

  struct Options;

 private:
  std::unique_ptr<Options> o_;
};

}  // namespace sesame::cli
