// The WSCA HTTPS API's routes (server/wsca_routes.cpp) on arbitrary requests: the first line is
// "METHOD PATH", the rest the body. Real CardService (memory store) with a WSCA applet holding one
// unit, so paths reach the applet. No input may crash the server or end in a 500 (every failure
// must have its problem document), and every answer body of a JSON type must parse.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "applets/builtin.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "server/card_locks.h"
#include "server/dev_pki.h"
#include "server/wsca_routes.h"
#include "server/wsca_service.h"
#include "store/memory_store.h"

namespace {

struct World {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "sesame-fuzz-wsca-http";
  std::unique_ptr<sesame::store::Store> store =
      sesame::store::open_memory_store(sesame::crypto::random_secret(32));
  sesame::card::AppletRegistry registry = sesame::applets::builtin_registry();
  sesame::card::CardService cards{*store, registry};
  sesame::server::CardLocks locks;
  sesame::server::http::Router router;
  std::unique_ptr<sesame::server::WscaApi> api;
  World() {
    cards.create_card({"w1", ""});
    cards.install_applet("w1", "sesame.wsca", sesame::server::wsca_default_aid(), {});
    sesame::server::ensure_dev_pki(dir / "pki");
    api = std::make_unique<sesame::server::WscaApi>(
        cards, locks,
        sesame::server::WscaRoutesConfig{dir / "pki", dir, {"admin"}, "https://localhost:8443"});
    api->add_routes(router);
    sesame::server::http::Request r;
    r.method = "POST";
    r.path = r.target = "/v1/wsca/w1/units";
    router.dispatch(r, {});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sesame::server::http;
  static World world;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = input.find('\n');
  const std::string line = input.substr(0, nl);
  const std::size_t sp = line.find(' ');
  if (sp == std::string::npos) return 0;
  Request r;
  r.method = line.substr(0, sp);
  r.path = r.target = line.substr(sp + 1);
  if (r.path.empty() || r.path[0] != '/') return 0;
  r.body = nl == std::string::npos ? "" : input.substr(nl + 1);
  r.headers["Host"] = "localhost";
  const Response resp = world.router.dispatch(r, Peer{(size & 1) ? "admin" : "wallet", "fuzz"});
  if (resp.status == 500) __builtin_trap();
  const auto ct = resp.headers.find("Content-Type");
  if (ct != resp.headers.end() && ct->second.find("json") != std::string::npos &&
      !nlohmann::json::accept(resp.body))
    __builtin_trap();
  return 0;
}
