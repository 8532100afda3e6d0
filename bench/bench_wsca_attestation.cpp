// Key attestation issuance per second (issue 4, "Key attestation issuance/s"): sesamed's
// WscaAttester::key_attestation (docs/WSCA.md, "Key attestation": the OpenID4VCI 1.0 Appendix D JWT
// with x5c, one attested P-256 JWK, a nonce and a status list reference, ES256 under the WSCA
// attestation key) against the raw cost of its signature: OpenSSL EVP_DigestSign (ECDSA P-256 with
// SHA-256) of the very same JWS signing input, then DER to r||s as JWS needs. What sesame adds on
// top is building the JSON header and claims and the base64url encodings. The card is not involved
// (over HTTPS the applet's GET KEY INFO and the authentication come on top: see bench_apdu / the
// HTTPS benchmarks).
//
// bench-links: sesame_server_lib OpenSSL::Crypto
#include <benchmark/benchmark.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_env.h"
#include "crypto/certificate_builder.h"
#include "crypto/ec_key.h"
#include "server/wsca_attestation.h"

namespace {

using namespace sesame;  // NOLINT

struct Fixture {
  Fixture()
      : key(crypto::EcPrivateKey::generate(crypto::Curve::p256)),
        attester(key, {crypto::CertificateBuilder()
                           .common_name("bench WSCA attestation")
                           .validity(std::chrono::system_clock::now() - std::chrono::hours(1),
                                     std::chrono::system_clock::now() + std::chrono::hours(24))
                           .self_sign(crypto::PrivateKey(key))}) {
    const auto attested = crypto::EcPrivateKey::generate(crypto::Curve::p256);
    jwks.push_back(server::ec_jwk(attested.public_key()));
    const std::string jwt = issue();
    signing_input = jwt.substr(0, jwt.rfind('.'));
    EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr);
    if (!kctx || EVP_PKEY_keygen_init(kctx) != 1 ||
        EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx, NID_X9_62_prime256v1) != 1 ||
        EVP_PKEY_keygen(kctx, &ossl_key) != 1)
      throw std::runtime_error("OpenSSL P-256 key generation failed");
    EVP_PKEY_CTX_free(kctx);
  }
  ~Fixture() { EVP_PKEY_free(ossl_key); }
  std::string issue() const {
    return attester.key_attestation(jwks, std::string("n-0S6_WzA2Mj"),
                                    server::StatusReference{1, "https://wallet.example/v1/wsca/w1/status-list"},
                                    std::chrono::system_clock::now());
  }

  crypto::EcPrivateKey key;
  server::WscaAttester attester;
  std::vector<nlohmann::json> jwks;
  std::string signing_input;
  EVP_PKEY* ossl_key = nullptr;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void sesame_attester(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    std::string jwt = f.issue();
    benchmark::DoNotOptimize(jwt);
  }
  state.SetItemsProcessed(state.iterations());
}

// EVP_DigestSign of the same signing input, DER -> r||s (64 bytes).
void openssl_es256(benchmark::State& state) {
  const Fixture& f = fixture();
  unsigned char der[80], raw[64];
  for (auto _ : state) {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    size_t len = sizeof der;
    if (!md || EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, f.ossl_key) != 1 ||
        EVP_DigestSign(md, der, &len, reinterpret_cast<const unsigned char*>(f.signing_input.data()),
                       f.signing_input.size()) != 1) {
      state.SkipWithError("EVP_DigestSign failed");
      EVP_MD_CTX_free(md);
      break;
    }
    EVP_MD_CTX_free(md);
    const unsigned char* p = der;
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
    if (!sig || BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32) != 32) {
      state.SkipWithError("DER to r||s failed");
      ECDSA_SIG_free(sig);
      break;
    }
    ECDSA_SIG_free(sig);
    benchmark::DoNotOptimize(raw);
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  namespace bench = sesame::bench;
  const std::string g = "wsca_key_attestation";
  bench::describe(g,
                  "One item = one key attestation JWT (OpenID4VCI 1.0 Appendix D: header typ, alg ES256, x5c "
                  "with one certificate; claims iat, exp, one attested P-256 JWK, key_storage, "
                  "user_authentication, nonce, status list reference) issued by sesamed's WscaAttester, one "
                  "thread, no card access. Baseline: raw OpenSSL EVP_DigestSign (ECDSA P-256, SHA-256) of the "
                  "same JWS signing input with a new EVP_MD_CTX per signature, then DER to r||s.");
  fixture();
  benchmark::RegisterBenchmark((g + "/baseline_openssl_es256").c_str(), openssl_es256)->MinTime(0.3)->UseRealTime();
  benchmark::RegisterBenchmark((g + "/sesame_attester").c_str(), sesame_attester)->MinTime(0.3)->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
