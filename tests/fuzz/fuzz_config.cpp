// sesamed's configuration parser (server/config.h) on arbitrary TOML text: a file either parses
// into a configuration that keeps the documented invariants or is refused with Error(Errc::parse);
// nothing else may escape (toml++'s own exceptions included).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/config.h"
#include "util/error.h"
#include "util/seid.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sesame;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  server::ServerConfig c;
  try {
    c = server::parse_config(text, "fuzz.toml");
  } catch (const Error& e) {
    if (e.code() != Errc::parse) std::abort();
    return 0;
  }
  if (c.store_backend != "sqlite" && c.store_backend != "postgres") std::abort();
  if (c.store_backend == "postgres" && c.store_conninfo.empty()) std::abort();
  if (c.vpcd.size() > 2) std::abort();
  for (const auto& slot : c.vpcd) {
    if (slot.port == 0) std::abort();
    if (!slot.seid.empty() && !valid_seid(slot.seid)) std::abort();
    if (!slot.allow_remote && !server::is_loopback_address(slot.host)) std::abort();
  }
  if (c.store_lease_ttl_ms < 100 || c.store_lease_ttl_ms > 3600000) std::abort();
  return 0;
}
