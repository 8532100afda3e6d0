// The eID split middleware's HTTPS routes (server/eid_routes.cpp) on arbitrary requests: the first
// line is "METHOD PATH", the rest the body. A real verifier (a CSCA in a temp state dir) with one
// transaction started, so response paths reach a session. No input may crash the server or end in
// a 500 (every failure has its problem document), and every JSON answer must parse.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "http_router_input.h"
#include "crypto/any_key.h"
#include "crypto/random.h"
#include "host/eid/eid_handover.h"
#include "host/eid/icao_pki.h"
#include "iso7816/security_infos.h"
#include "server/dev_pki.h"
#include "server/eid_routes.h"
#include "server/file_io.h"
#include "services/eid_verifier/eid_verifier.h"

namespace {

using namespace sesame;

struct World {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "sesame-fuzz-eid-http";
  server::http::Router router;
  std::unique_ptr<server::EidApi> api;
  World() {
    std::filesystem::create_directories(dir / "eid" / "csca");
    server::ensure_dev_pki(dir / "pki");
    if (!std::filesystem::exists(dir / "eid" / "csca" / "csca.pem")) {
      host::eid::CscaProfile p;
      p.country = "UT";
      const std::string pem =
          host::eid::make_csca(p, crypto::EcPrivateKey::generate(crypto::Curve::p384)).pem();
      server::write_file_atomic(dir / "eid" / "csca" / "csca.pem", as_bytes(pem), 0644);
    }
    api = server::EidApi::load(dir, dir / "pki");
    api->add_routes(router);
    const auto ca = crypto::EcPrivateKey::generate(crypto::Curve::brainpool_p256r1);
    host::eid::EidHandover h{iso7816::eid_dg14(ca.public_key()), crypto::random_secret(16),
                             crypto::random_secret(16), Bytes(16, 0)};
    api->verifier().start("fuzz-tx-0001",
                          host::eid::seal_handover(api->verifier().handover_public_key(), "fuzz-tx-0001", h));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  sesame::fuzz::dispatch_fuzzed_request(world.router, data, size, "");
  return 0;
}
