// The WSCA HTTPS API's routes (server/wsca_routes.cpp) on arbitrary requests: the first line is
// "METHOD PATH", the rest the body. Real CardService (memory store) with a WSCA applet holding one
// unit, so paths reach the applet. No input may crash the server or end in a 500 (every failure
// must have its problem document), and every answer body of a JSON type must parse.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "http_router_input.h"
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
  static World world;
  sesame::fuzz::dispatch_fuzzed_request(world.router, data, size, "wallet");
  return 0;
}
