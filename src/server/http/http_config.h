// The [http] section of sesamed's configuration (docs/CONFIGURATION.md, docs/HTTP.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>

#include "server/http/https_listener.h"

namespace sesame::server::http {

struct HttpConfig {
  bool enabled = false;
  std::uint16_t port = 8443;  // binds to server.listen_address
  // TLS. Empty: the development PKI (server.pem, server.key; client CA ca.pem).
  std::filesystem::path certificate, private_key, client_ca;
  // Whether a client must present a certificate (services that authenticate their clients by
  // other means, like signed requests, set it to false; a presented certificate must still verify).
  bool client_certificate_required = true;
  ListenerLimits limits;
};

}  // namespace sesame::server::http
