// `sesame pay`: a contactless purchase through the POS kernel (host/emv, docs/EMV.md "sesame pay")
// against a card of the local state dir (SEID), a remote card (--url racs://host/SEID) or a card in
// a PC/SC reader (--pcsc NAME), with the issuer host online and optional issuer scripts:
//   sesame pay SEID --amount 1250 [--currency 0978] [--mode online|offline]
//              [--script block|unblock|pin-unblock|pin-change:PIN|put-data:TAG=HEX|
//                        update-record:SFI.REC=HEX|reset-counters]...  (tag 71, before the 2nd GENERATE AC)
//              [--script-after CMD]...                                 (tag 72, after it)
//              [--imk-ac HEX --imk-smi HEX --imk-smc HEX] [--arpc-method 1|2] [--select-blocked]
// Prints the outcome, TVR, CVR, issuer script results and the card's transaction log.
#pragma once

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace sesame::cli {

class PayCommands {
 public:
  explicit PayCommands(CLI::App& app);  // adds the "pay" subcommand
  ~PayCommands();
  bool parsed() const;
  // Runs the purchase; throws sesame::Error on failure. Returns the exit status: 0 approved, 3 declined
  // or ended.
  int run(const std::string& state_dir, const std::string& config_path);

  struct Options;

 private:
  std::unique_ptr<Options> o_;
};

}  // namespace sesame::cli
