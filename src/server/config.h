// sesamed's configuration: the TOML file given with --config, validated once at start.
// Every key is documented in docs/CONFIGURATION.md. Unknown keys and bad values are refused with
// Error(Errc::parse) whose message names the key, so a typo never silently becomes a default.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/http_config.h"
#include "server/racs/racs_config.h"

namespace sesame::server {

// One vpcd reader slot sesamed connects to (vsmartcard's pcscd driver listens, sesamed dials).
struct VpcdSlot {
  std::string host = "127.0.0.1";
  std::uint16_t port = 35963;
  std::string seid;  // empty: the first card (the first demo card on a fresh state dir)
  bool allow_remote = false;  // host may be other than loopback (APDUs and PINs then cross a network in clear)
};

// [wsca]: the WSCA HTTPS API (served when http.enabled).
struct WscaServiceConfig {
  // Where wallets and verifiers reach the API, e.g. "https://wallet.example:8443": the status list
  // URIs inside key attestations and the "iss" of wallet instance attestations. Empty:
  // "https://localhost:<http.port>", fit for development only.
  std::string public_base_url;
  // Client certificate CNs allowed to act as the wallet provider (revocation through the status list).
  std::set<std::string> provider_clients{"admin"};
};

struct ServerConfig {
  std::string listen_address = "127.0.0.1";        // where network listeners bind (loopback only by default)
  std::string log_level = "info";                  // trace, debug, info, warn, error, critical, off
  std::string store_backend = "sqlite";            // "sqlite" or "postgres"
  std::string store_conninfo;                      // postgres: libpq connection string or URI
  std::string store_node_id;                       // postgres: this node's lease name (default: host name)
  std::uint32_t store_lease_ttl_ms = 10000;        // postgres: a dead node's cards move after this long
  std::filesystem::path store_path = "sesame.db";  // relative to the state dir
  std::filesystem::path master_key_path = "master.key";  // relative to the state dir
  std::filesystem::path pki_dir = "pki";                 // relative to the state dir
  bool demo_cards = false;                               // create demo cards on first start
  std::vector<VpcdSlot> vpcd;
  racs::RacsConfig racs;  // [racs]: docs/RACS.md
  http::HttpConfig http;  // [http]: docs/HTTP.md
  WscaServiceConfig wsca; // [wsca]: docs/WSCA.md, "HTTPS API"
};

// Parses TOML text. `source` names the file in error messages.
ServerConfig parse_config(std::string_view toml_text, const std::string& source);
// Reads and parses a file. Throws Error(Errc::io) when it cannot be read.
ServerConfig load_config(const std::filesystem::path& file);

// "HOST:PORT" or "HOST:PORT,SEID" ("[::1]:35963" for IPv6). HOST is a numeric address (never a
// name: no DNS), and a loopback one (127.0.0.0/8, ::1) unless `allow_remote`. Throws Error(Errc::parse).
VpcdSlot parse_vpcd_slot(std::string_view text, bool allow_remote = false);

// 127.0.0.0/8 or ::1, given numerically.
bool is_loopback_address(std::string_view host);

// A path from the config made absolute against the state dir (absolute paths stay as they are).
std::filesystem::path resolve_in_state_dir(const std::filesystem::path& state_dir,
                                           const std::filesystem::path& p);

}  // namespace sesame::server
