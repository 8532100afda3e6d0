// The WSCA HTTPS/JSON API (docs/WSCA.md, "HTTPS API"): wallet instances reach their units on a
// hosted WSCA applet over sesamed's HTTPS listener. Each route is a thin translation to the
// applet's commands through WscaService; the device signature and the sealed PIN a wallet sends
// reach the applet unchanged, and the applet's status words come back as problem documents
// (wsca_problem.h). Key attestations and the status list that revokes them: wsca_attestation.h.
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "server/http/router.h"

namespace sesame::card {
class CardService;
}

namespace sesame::server {

class CardLocks;
class WscaService;
class WscaAttester;
class WscaStatusList;

struct WscaRoutesConfig {
  std::filesystem::path pki_dir;    // wsca-attestation.{pem,key}; the dev CA issues them if missing
  std::filesystem::path state_dir;  // status lists under <state_dir>/wsca/
  // Client certificate CNs allowed to act as the wallet provider (revocation).
  std::set<std::string> provider_clients{"admin"};
  // Where wallets and verifiers reach this API, e.g. "https://wallet.example:8443": the status
  // list URIs inside attestations and the "iss" of wallet instance attestations. Fixed by the
  // server, never taken from a request's Host (a client could otherwise point its own
  // attestation's status list at a host of its choosing).
  std::string public_base_url;
};

// What the routes share; lives as long as the router that calls them.
class WscaApi {
 public:
  WscaApi(card::CardService& cards, CardLocks& locks, const WscaRoutesConfig& config);
  ~WscaApi();
  WscaApi(const WscaApi&) = delete;
  WscaApi& operator=(const WscaApi&) = delete;

  void add_routes(http::Router& router);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sesame::server
