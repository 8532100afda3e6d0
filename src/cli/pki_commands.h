// `sesame pki ...`: a small ICAO 9303-12 eMRTD PKI in a directory, for issuing eID cards
// (sesame eid issue) and verifying them (sesame eid read). docs/EID.md "The PKI".
//   sesame pki init --dir D [--country FR] [--org NAME]   CSCA, Document Signer, empty CRL
//   sesame pki revoke-ds --dir D [--cert ds.pem]          adds the DS to the CSCA's CRL
//   sesame pki crl --dir D                                re-issues the CRL (next number, fresh dates)
// Files in D: csca.pem, csca.key (0600), ds.pem, ds.key (0600), crl.pem.
#pragma once

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace sesame::cli {

class PkiCommands {
 public:
  explicit PkiCommands(CLI::App& app);  // adds the "pki" subcommand tree
  ~PkiCommands();
  bool parsed() const;
  // Runs the parsed subcommand; throws sesame::Error on failure.
  void run();

  struct Options;

 private:
  std::unique_ptr<Options> o_;
};

}  // namespace sesame::cli
