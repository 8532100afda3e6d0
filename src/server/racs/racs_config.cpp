#include "server/racs/racs_config_parse.h"
#include "server/toml_values.h"

#include <algorithm>
#include <thread>

#include "util/error.h"
#include "util/seid.h"

namespace sesame::server::racs {
namespace {

using cfg::bad;
using cfg::get_bool;
using cfg::get_int;
using cfg::get_path;
using cfg::get_string;

void parse_users(const toml::node& node, const std::string& src, RacsConfig& cfg) {
  if (!node.is_table()) bad(src, "racs.users", "expected a table [racs.users] of CN = [\"SEID\", ...] or \"all\"");
  for (auto&& [k, v] : *node.as_table()) {
    const std::string cn(k.str());
    const std::string key = "racs.users." + cn;
    if (cn.empty() || cn.size() > 64) bad(src, key, "a user (certificate CN) is 1-64 characters");
    std::vector<std::string> seids;
    if (v.is_string()) {
      const std::string s = get_string(v, src, key);
      if (s != "all" && s != "*") bad(src, key, "expected \"all\" or an array of SEIDs");
      seids.push_back("*");
    } else if (v.is_array()) {
      for (const toml::node& item : *v.as_array()) {
        const std::string seid = get_string(item, src, key);
        if (seid != "*" && !valid_seid(seid)) bad(src, key, "bad SEID \"" + seid + "\"");
        seids.push_back(seid);
      }
    } else {
      bad(src, key, "expected \"all\" or an array of SEIDs");
    }
    cfg.users[cn] = std::move(seids);
  }
}

}  // namespace

// One loop per hardware thread but one (D16): the store's writer thread (SQLite group commit),
// the card pool and PostgreSQL's connections need CPU too, and since a loop no longer waits for a
// durable commit, a loop per core only adds sleep/wake churn on a busy host.
std::size_t io_thread_count(const RacsConfig& config) {
  if (config.io_threads) return config.io_threads;
  const std::size_t hw = std::thread::hardware_concurrency();
  return hw > 1 ? hw - 1 : 1;
}

void parse_racs_config(const toml::table& table, const std::string& src, RacsConfig& cfg) {
  for (auto&& [k, v] : table) {
    const std::string key = "racs." + std::string(k.str());
    if (k == "enabled") {
      cfg.enabled = get_bool(v, src, key);
    } else if (k == "port") {
      cfg.port = static_cast<std::uint16_t>(get_int(v, src, key, 1, 65535));
    } else if (k == "certificate") {
      cfg.certificate = get_path(v, src, key);
    } else if (k == "private_key") {
      cfg.private_key = get_path(v, src, key);
    } else if (k == "client_ca") {
      cfg.client_ca = get_path(v, src, key);
    } else if (k == "verify_depth") {
      cfg.verify_depth = static_cast<int>(get_int(v, src, key, 0, 16));
    } else if (k == "users") {
      parse_users(v, src, cfg);
    } else if (k == "acl_dir") {
      cfg.acl_dir = get_path(v, src, key);
    } else if (k == "default_aid_access") {
      cfg.default_aid_access = get_bool(v, src, key);
    } else if (k == "max_sessions") {
      cfg.max_sessions = static_cast<std::size_t>(get_int(v, src, key, 1, 100000));
    } else if (k == "handshake_timeout") {
      cfg.handshake_timeout = std::chrono::seconds(get_int(v, src, key, 1, 3600));
    } else if (k == "idle_timeout") {
      cfg.idle_timeout = std::chrono::seconds(get_int(v, src, key, 1, 86400 * 7));
    } else if (k == "session_lifetime") {
      cfg.session_lifetime = std::chrono::seconds(get_int(v, src, key, 1, 86400 * 30));
    } else if (k == "io_threads") {
      cfg.io_threads = static_cast<std::size_t>(get_int(v, src, key, 0, 256));
    } else if (k == "max_line_length") {
      cfg.limits.max_line_length = static_cast<std::size_t>(get_int(v, src, key, 256, 1 << 20));
    } else if (k == "max_request_bytes") {
      cfg.limits.max_request_bytes = static_cast<std::size_t>(get_int(v, src, key, 1024, 16 << 20));
    } else if (k == "max_request_lines") {
      cfg.limits.max_request_lines = static_cast<std::size_t>(get_int(v, src, key, 2, 999));
    } else if (k == "max_response_bytes") {
      cfg.limits.max_response_bytes = static_cast<std::size_t>(get_int(v, src, key, 258, 1 << 20));
    } else if (k == "audit_log") {
      cfg.audit_log = get_path(v, src, key);
    } else {
      bad(src, key, "unknown key");
    }
  }
  if (cfg.certificate.empty() != cfg.private_key.empty())
    bad(src, "racs.certificate", "give both certificate and private_key, or neither (development PKI)");
  if (cfg.limits.max_line_length > cfg.limits.max_request_bytes)
    bad(src, "racs.max_line_length", "larger than racs.max_request_bytes");
}

}  // namespace sesame::server::racs
