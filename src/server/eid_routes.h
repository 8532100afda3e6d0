// The eID split middleware's relay over sesamed's HTTPS listener (docs/EID.md, "The split
// middleware: wire format"): front ends hand over their PACE session and relay APDUs; the relying
// party's back end fetches the DigitalID with a client certificate. The verification itself is
// services/eid_verifier.
//
// Everything lives in <state-dir>/eid/ (the service is on when csca/ holds a certificate):
//   csca/*.pem            trusted CSCAs            crl/*.pem   their CRLs (optional)
//   revoked.txt           revoked document numbers, one a line ('#' comments), read per transaction
//   relying-parties.txt   client certificate CNs allowed to fetch DigitalIDs (default: admin), read
//                         per request
//   handover.key          the handover key (P-256, made on first start)
//   digital-id.{pem,key}  the DigitalID signer (issued by the development CA when missing)
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "server/http/router.h"

namespace sesame::services::eid {
class EidVerifier;
}

namespace sesame::server {

class EidApi {
 public:
  // nullptr when <state_dir>/eid/csca/ holds no certificate (the service is off). Error for
  // unreadable material. `pki_dir` holds the development CA (ca.pem, ca.key).
  static std::unique_ptr<EidApi> load(const std::filesystem::path& state_dir,
                                      const std::filesystem::path& pki_dir);
  ~EidApi();
  EidApi(const EidApi&) = delete;
  EidApi& operator=(const EidApi&) = delete;

  void add_routes(http::Router& router);
  services::eid::EidVerifier& verifier();

  struct Impl;

 private:
  explicit EidApi(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sesame::server
