#include "server/http/http_config_parse.h"
#include "server/toml_values.h"

namespace sesame::server::http {

void parse_http_config(const toml::table& table, const std::string& src, HttpConfig& c) {
  using namespace cfg;
  for (auto&& [k, v] : table) {
    const std::string key = "http." + std::string(k.str());
    if (k == "enabled") {
      c.enabled = get_bool(v, src, key);
    } else if (k == "port") {
      c.port = static_cast<std::uint16_t>(get_int(v, src, key, 1, 65535));
    } else if (k == "certificate") {
      c.certificate = get_path(v, src, key);
    } else if (k == "private_key") {
      c.private_key = get_path(v, src, key);
    } else if (k == "client_ca") {
      c.client_ca = get_path(v, src, key);
    } else if (k == "client_certificate_required") {
      c.client_certificate_required = get_bool(v, src, key);
    } else if (k == "max_connections") {
      c.limits.max_connections = static_cast<std::size_t>(get_int(v, src, key, 1, 100000));
    } else if (k == "handshake_timeout") {
      c.limits.handshake_timeout = std::chrono::seconds(get_int(v, src, key, 1, 3600));
    } else if (k == "request_timeout") {
      c.limits.request_timeout = std::chrono::seconds(get_int(v, src, key, 1, 3600));
    } else if (k == "idle_timeout") {
      c.limits.idle_timeout = std::chrono::seconds(get_int(v, src, key, 1, 86400));
    } else if (k == "max_header_bytes") {
      c.limits.request.max_header_bytes = static_cast<std::size_t>(get_int(v, src, key, 1024, 1 << 20));
    } else if (k == "max_headers") {
      c.limits.request.max_headers = static_cast<std::size_t>(get_int(v, src, key, 8, 1000));
    } else if (k == "max_body_bytes") {
      c.limits.request.max_body_bytes = static_cast<std::size_t>(get_int(v, src, key, 0, 64 << 20));
    } else {
      bad(src, key, "unknown key");
    }
  }
  if (c.certificate.empty() != c.private_key.empty())
    bad(src, "http.certificate", "give both certificate and private_key, or neither (development PKI)");
}

}  // namespace sesame::server::http
