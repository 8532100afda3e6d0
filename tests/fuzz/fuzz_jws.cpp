// Compact JWS verification (crypto/jws.h) on arbitrary strings against a fixed key, the RFC 7515
// Appendix A.3 P-256 key: nothing but Error(Errc::parse) or Error(Errc::crypto) may come out of
// jws_verify, and only Error(Errc::parse) out of jws_unverified_header. Whatever verifies must
// carry the header jws_unverified_header reads from the same string.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/jws.h"
#include "util/base64.h"
#include "util/error.h"

namespace {

const sesame::crypto::EcPublicKey& key() {
  using namespace sesame;
  // RFC 7515 A.3.1, the published JWK's x and y.
  static const crypto::EcPublicKey k = crypto::EcPublicKey::from_jwk_coordinates(
      crypto::Curve::p256, base64url_decode("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"),
      base64url_decode("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"));
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sesame;
  const std::string_view compact(reinterpret_cast<const char*>(data), size);
  std::string header;
  bool header_ok = false;
  try {
    header = crypto::jws_unverified_header(compact);
    header_ok = true;
  } catch (const Error& e) {
    if (e.code() != Errc::parse) std::abort();
  }
  try {
    const crypto::JwsVerified v = crypto::jws_verify(compact, key());
    if (!header_ok || v.header_json != header) std::abort();
    if (v.alg != crypto::JwsAlg::es256) std::abort();
  } catch (const Error& e) {
    if (e.code() != Errc::parse && e.code() != Errc::crypto) std::abort();
  }
  return 0;
}
