// The keyring HTTPS/JSON API (docs/SIGNING.md "HTTPS API"): thin translations to KeyringService
// for the registration authority, service providers and holders' terminals, each role decided by
// the TLS client certificate's CN. Binary values are base64url without padding; errors are RFC 9457
// problem documents. The holder's SPAKE2+ messages and envelopes pass through unchanged.
#pragma once

#include <set>
#include <string>

#include "server/http/router.h"

namespace sesame::services::keyring {
class KeyringService;
}

namespace sesame::server {

struct KeyringRoutesConfig {
  std::set<std::string> ra_clients{"keyring-ra"};  // create, destroy, status
  std::set<std::string> provider_clients;          // each CN is one provider
  // Holder routes: a terminal whose certificate CN is its keyring id, or a gateway in this set
  // (the holders' app back end) which may act for any keyring.
  std::set<std::string> holder_gateways;
};

// `service` outlives the router.
void add_keyring_routes(http::Router& router, services::keyring::KeyringService& service,
                        const KeyringRoutesConfig& config);

}  // namespace sesame::server
