// The development PKI sesamed makes on first start, so TLS listeners (RACS, HTTPS) and their
// clients work out of the box on localhost. Not for production: see docs/CONFIGURATION.md.
//   ca.pem / ca.key          self-signed root, "sesame development CA"
//   server.pem / server.key  serverAuth for localhost, 127.0.0.1, ::1
//   admin.pem / admin.key    clientAuth, CN=admin
// Keys are ECDSA P-256 in PKCS#8 PEM, mode 0600; certificates mode 0644.
#pragma once

#include <filesystem>

namespace sesame::server {

struct DevPki {
  std::filesystem::path ca_cert, ca_key, server_cert, server_key, admin_cert, admin_key;
  bool created = false;  // this call issued at least one certificate
};

// Reuses what exists in `dir`; issues what is missing (a new CA re-issues both leaves).
// Throws Error(Errc::io) on file errors, Error(Errc::parse/crypto) for unreadable existing files.
DevPki ensure_dev_pki(const std::filesystem::path& dir);

}  // namespace sesame::server
