#include "server/config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "server/http/http_config_parse.h"
#include "server/racs/racs_config_parse.h"
#include "server/toml_values.h"
#include "util/error.h"
#include "util/seid.h"

namespace sesame::server {
namespace {

using cfg::bad;
using cfg::get_bool;
using cfg::get_path;
using cfg::get_string;
using cfg::get_table;

bool is_ip_address(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

void parse_server(const toml::table& t, const std::string& src, ServerConfig& cfg) {
  for (auto&& [k, v] : t) {
    const std::string key = "server." + std::string(k.str());
    if (k == "listen_address") {
      cfg.listen_address = get_string(v, src, key);
      if (!is_ip_address(cfg.listen_address)) bad(src, key, "expected an IPv4 or IPv6 address");
    } else if (k == "log_level") {
      cfg.log_level = get_string(v, src, key);
      static const char* const levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
      bool known = false;
      for (auto* l : levels) known = known || cfg.log_level == l;
      if (!known) bad(src, key, "expected one of trace, debug, info, warn, error, critical, off");
    } else {
      bad(src, key, "unknown key");
    }
  }
}

void parse_store(const toml::table& t, const std::string& src, ServerConfig& cfg) {
  for (auto&& [k, v] : t) {
    const std::string key = "store." + std::string(k.str());
    if (k == "backend") {
      cfg.store_backend = get_string(v, src, key);
      if (cfg.store_backend != "sqlite" && cfg.store_backend != "postgres")
        bad(src, key, "unsupported backend \"" + cfg.store_backend + "\" (expected \"sqlite\" or \"postgres\")");
    } else if (k == "conninfo") {
      cfg.store_conninfo = get_string(v, src, key);
      if (cfg.store_conninfo.empty()) bad(src, key, "must not be empty");
    } else if (k == "node_id") {
      cfg.store_node_id = get_string(v, src, key);
      bool ok = !cfg.store_node_id.empty() && cfg.store_node_id.size() <= 200;
      for (char c : cfg.store_node_id) ok = ok && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
      if (!ok) bad(src, key, "expected 1-200 printable characters");
    } else if (k == "lease_ttl_ms") {
      auto ms = v.value<std::int64_t>();
      if (!v.is_integer() || !ms || *ms < 100 || *ms > 3600000) bad(src, key, "expected an integer from 100 to 3600000");
      cfg.store_lease_ttl_ms = static_cast<std::uint32_t>(*ms);
    } else if (k == "path") {
      cfg.store_path = get_path(v, src, key);
    } else if (k == "master_key") {
      cfg.master_key_path = get_path(v, src, key);
    } else {
      bad(src, key, "unknown key");
    }
  }
  if (cfg.store_backend == "postgres" && cfg.store_conninfo.empty())
    bad(src, "store.conninfo", "required with backend = \"postgres\"");
}

void parse_pki(const toml::table& t, const std::string& src, ServerConfig& cfg) {
  for (auto&& [k, v] : t) {
    const std::string key = "pki." + std::string(k.str());
    if (k == "dir") {
      cfg.pki_dir = get_path(v, src, key);
    } else {
      bad(src, key, "unknown key");
    }
  }
}

void parse_demo(const toml::table& t, const std::string& src, ServerConfig& cfg) {
  for (auto&& [k, v] : t) {
    const std::string key = "demo." + std::string(k.str());
    if (k == "create_cards") {
      cfg.demo_cards = get_bool(v, src, key);
    } else {
      bad(src, key, "unknown key");
    }
  }
}

void parse_vpcd(const toml::node& node, const std::string& src, ServerConfig& cfg) {
  if (!node.is_array_of_tables()) bad(src, "vpcd", "expected an array of tables [[vpcd]]");
  std::size_t i = 0;
  for (const toml::node& item : *node.as_array()) {
    const std::string prefix = "vpcd[" + std::to_string(i++) + "].";
    std::optional<std::string> address;
    std::string seid;
    bool allow_remote = false;
    for (auto&& [k, v] : *item.as_table()) {
      const std::string key = prefix + std::string(k.str());
      if (k == "address") {
        address = get_string(v, src, key);
      } else if (k == "seid") {
        seid = get_string(v, src, key);
        if (!valid_seid(seid)) bad(src, key, "a SEID is 1-64 characters of A-Z a-z 0-9 . _ -");
      } else if (k == "allow_remote") {
        allow_remote = get_bool(v, src, key);
      } else {
        bad(src, key, "unknown key");
      }
    }
    if (!address) bad(src, prefix + "address", "missing (e.g. address = \"127.0.0.1:35963\")");
    VpcdSlot slot;
    try {
      slot = parse_vpcd_slot(*address, allow_remote);
    } catch (const Error& e) {
      bad(src, prefix + "address", e.what());
    }
    if (!slot.seid.empty()) bad(src, prefix + "address", "give the card with the seid key, not after a comma");
    slot.seid = seid;
    if (cfg.vpcd.size() >= 2) bad(src, "vpcd", "at most two slots (vpcd serves two readers)");
    cfg.vpcd.push_back(slot);
  }
}

// [wsca]: the public base URL goes into every attestation, so it must be an https origin that a
// verifier can reach; the provider CNs name the clients that may revoke.
void parse_wsca(const toml::table& table, const std::string& src, WscaServiceConfig& c) {
  for (auto&& [k, v] : table) {
    const std::string key = "wsca." + std::string(k.str());
    if (k == "public_base_url") {
      std::string url = get_string(v, src, key);
      while (!url.empty() && url.back() == '/') url.pop_back();
      const std::string host = url.rfind("https://", 0) == 0 ? url.substr(8) : std::string();
      if (host.empty() || host.find_first_of("/?# ") != std::string::npos)
        bad(src, key, "must be an https origin, e.g. \"https://wallet.example:8443\"");
      c.public_base_url = url;
    } else if (k == "provider_clients") {
      const toml::array* a = v.as_array();
      if (!a) bad(src, key, "must be an array of certificate CNs");
      c.provider_clients.clear();
      for (const auto& e : *a) {
        const auto* cn = e.as_string();
        if (!cn || cn->get().empty()) bad(src, key, "every entry must be a non-empty CN");
        c.provider_clients.insert(cn->get());
      }
    } else {
      bad(src, key, "unknown key");
    }
  }
}

}  // namespace

ServerConfig parse_config(std::string_view toml_text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    fail(Errc::parse, msg.str());
  }
  ServerConfig cfg;
  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    if (k == "server")
      parse_server(get_table(v, source, key), source, cfg);
    else if (k == "store")
      parse_store(get_table(v, source, key), source, cfg);
    else if (k == "pki")
      parse_pki(get_table(v, source, key), source, cfg);
    else if (k == "demo")
      parse_demo(get_table(v, source, key), source, cfg);
    else if (k == "vpcd")
      parse_vpcd(v, source, cfg);
    else if (k == "racs")
      racs::parse_racs_config(get_table(v, source, key), source, cfg.racs);
    else if (k == "http")
      http::parse_http_config(get_table(v, source, key), source, cfg.http);
    else if (k == "wsca")
      parse_wsca(get_table(v, source, key), source, cfg.wsca);
    else
      bad(source, key, "unknown key");
  }
  return cfg;
}

ServerConfig load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(Errc::io, "cannot read config file " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file.string());
}

bool is_loopback_address(std::string_view host) {
  const std::string h(host);
  unsigned char a[16];
  if (inet_pton(AF_INET, h.c_str(), a) == 1) return a[0] == 127;  // 127.0.0.0/8
  if (inet_pton(AF_INET6, h.c_str(), a) == 1) {
    static constexpr unsigned char v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::equal(a, a + 16, v6_loopback);
  }
  return false;
}

VpcdSlot parse_vpcd_slot(std::string_view text, bool allow_remote) {
  const std::string whole(text);
  VpcdSlot slot;
  std::string_view addr = text;
  if (auto comma = text.find(','); comma != std::string_view::npos) {
    slot.seid = std::string(text.substr(comma + 1));
    addr = text.substr(0, comma);
    if (!valid_seid(slot.seid))
      fail(Errc::parse, "vpcd slot \"" + whole + "\": bad SEID \"" + slot.seid + "\"");
  }
  std::string_view host, port;
  if (!addr.empty() && addr.front() == '[') {
    auto close = addr.find(']');
    if (close == std::string_view::npos || close + 1 >= addr.size() || addr[close + 1] != ':')
      fail(Errc::parse, "vpcd slot \"" + whole + "\": expected [IPV6]:PORT");
    host = addr.substr(1, close - 1);
    port = addr.substr(close + 2);
  } else {
    auto colon = addr.rfind(':');
    if (colon == std::string_view::npos) fail(Errc::parse, "vpcd slot \"" + whole + "\": expected HOST:PORT");
    host = addr.substr(0, colon);
    port = addr.substr(colon + 1);
  }
  if (host.empty()) fail(Errc::parse, "vpcd slot \"" + whole + "\": empty host");
  // Numeric only: the bridge never waits on DNS (not at start, not when reconnecting, not at stop).
  if (!is_ip_address(std::string(host)))
    fail(Errc::parse, "vpcd slot \"" + whole + "\": the host must be an IPv4 or IPv6 address, not a name");
  // vpcd's link is plain TCP: every APDU, PINs included, crosses it in clear.
  if (!allow_remote && !is_loopback_address(host))
    fail(Errc::parse, "vpcd slot \"" + whole +
                          "\": not a loopback address (127.0.0.0/8 or ::1); APDUs and PINs cross vpcd's link in "
                          "clear, set allow_remote = true on the [[vpcd]] slot to accept that");
  unsigned long value = 0;
  if (port.empty() || port.size() > 5) fail(Errc::parse, "vpcd slot \"" + whole + "\": bad port");
  for (char c : port) {
    if (c < '0' || c > '9') fail(Errc::parse, "vpcd slot \"" + whole + "\": bad port");
    value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (value == 0 || value > 65535) fail(Errc::parse, "vpcd slot \"" + whole + "\": port out of range");
  slot.host = std::string(host);
  slot.port = static_cast<std::uint16_t>(value);
  slot.allow_remote = allow_remote;
  return slot;
}

std::filesystem::path resolve_in_state_dir(const std::filesystem::path& state_dir,
                                           const std::filesystem::path& p) {
  return p.is_absolute() ? p : state_dir / p;
}

}  // namespace sesame::server
