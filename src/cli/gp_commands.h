// `sesame gp ...`: GlobalPlatform card management through an SCP03 secure channel (docs/GP.md),
// against a card of the local state dir (in process), a remote card (--url racs://host/SEID, the
// over-the-air path) or a card in a PC/SC reader (--pcsc NAME).
//   sesame gp list SEID         GET STATUS: the ISD, applications, load files and modules
//   sesame gp info SEID         INITIALIZE UPDATE data, key information, sequence counter
//   sesame gp put-key SEID --new-kvn 31 [--replace 30] [--new-key-enc/-mac/-dek HEX]
//   sesame gp lock AID SEID / unlock AID SEID / lock-card SEID / unlock-card SEID   (SET STATUS)
//   sesame gp install AID SEID --load-file AID --module AID [--params HEX] / delete AID SEID
//   sesame gp personalise AID SEID --dgi-file F   INSTALL [for personalization] + STORE DATA
//   sesame gp store-data SEID --iin HEX --cin HEX STORE DATA to the ISD itself
//   sesame gp get-data [SEID] [iin|cin|cplc|seq|keys|card-data|all|TAG]   GET DATA (no session)
//   sesame gp install-sd AID SEID [--privileges 80|A0|804000]   a supplementary security domain
//   sesame gp extradite AID SEID --to SD                        INSTALL [for extradition]
//   sesame gp put-dm-keys SEID --token-key OWNER.pem --receipt-key HEX   delegated management keys
//   --sd AID opens the channel with that security domain; with --token-key, install / delete /
//   extradite through it run delegated (a token of the ISD owner; --receipt-key checks the receipt).
// Keys: --key-enc/--key-mac/--key-dek (hex; default the GP test keys 404142..4F), --kvn, --level.
#pragma once

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace sesame::cli {

class GpCommands {
 public:
  explicit GpCommands(CLI::App& app);  // adds the "gp" subcommand tree
  ~GpCommands();
  bool parsed() const;
  // Runs the parsed subcommand; throws sesame::Error on failure.
  void run(const std::string& state_dir, const std::string& config_path);

  struct Options;  // the parsed command line (gp_commands.cpp)

 private:
  std::unique_ptr<Options> o_;
};

}  // namespace sesame::cli
