// AES-256-GCM sealing of one 64-byte record (the size of a typical card record: a counter, a PIN
// state): sesame's crypto::aes_gcm_encrypt, which builds a fresh EVP context per call, against raw
// OpenSSL EVP with one context reused and only the IV changed (the fastest way to drive OpenSSL).
// Both use the same key, a counter IV and a 40-byte AAD like the store's.
//
// bench-links: sesame_store sesame_crypto OpenSSL::Crypto
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

#include "bench_env.h"
#include "crypto/aes_gcm.h"
#include "crypto/random.h"
#include "store/record_seal.h"

namespace {

using namespace sesame;

constexpr std::size_t kRecordSize = 64;

struct Inputs {
  SecureBytes key = crypto::random_secret(32);
  Bytes aad = Bytes(40, 0x41);
  Bytes plaintext = crypto::random_bytes(kRecordSize);
};

void bump(Bytes& iv) {
  for (std::size_t i = iv.size(); i-- > 0;)
    if (++iv[i] != 0) break;
}

void baseline_openssl(benchmark::State& state) {
  Inputs in;
  Bytes iv(crypto::kGcmIvSize, 0);
  Bytes out(kRecordSize + crypto::kGcmTagSize);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, in.key.data(), nullptr) != 1)
    throw std::runtime_error("EVP init");
  for (auto _ : state) {
    bump(iv);
    int len = 0, n = 0;
    bool ok =
        EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data()) == 1 &&
        EVP_EncryptUpdate(ctx, nullptr, &len, in.aad.data(), static_cast<int>(in.aad.size())) == 1 &&
        EVP_EncryptUpdate(ctx, out.data(), &n, in.plaintext.data(), static_cast<int>(kRecordSize)) == 1 &&
        EVP_EncryptFinal_ex(ctx, out.data() + n, &len) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, crypto::kGcmTagSize, out.data() + kRecordSize) == 1;
    if (!ok) state.SkipWithError("EVP encrypt failed");
    benchmark::DoNotOptimize(out.data());
  }
  EVP_CIPHER_CTX_free(ctx);
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("EVP_CIPHER_CTX reused, key set once");
}

void sesame_encrypt(benchmark::State& state) {
  Inputs in;
  Bytes iv(crypto::kGcmIvSize, 0);
  for (auto _ : state) {
    bump(iv);
    Bytes out = crypto::aes_gcm_encrypt(in.key.view(), iv, in.aad, in.plaintext);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("new EVP context and key schedule per call");
}

// crypto::AesGcmKey: the key expanded once; per call a context from the key's pool, the IV, encrypt.
void sesame_aes_gcm_key(benchmark::State& state) {
  Inputs in;
  const crypto::AesGcmKey key(in.key.view());
  Bytes iv(crypto::kGcmIvSize, 0);
  for (auto _ : state) {
    bump(iv);
    Bytes out = key.encrypt(iv, in.aad, in.plaintext);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("key expanded once, a pooled context per call");
}

// What the store does per record: AAD formatting, a random IV and the encryption.
void sesame_seal_record(benchmark::State& state) {
  Inputs in;
  std::uint64_t version = 0;
  for (auto _ : state) {
    Bytes out =
        store::seal_record(in.key.view(), "card0", "A000000151000000/counter", ++version, in.plaintext);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("store::seal_record: AAD, random IV, encrypt");
}

// The same with the prepared key an open card keeps (what CardStore::commit does per record).
void sesame_seal_record_prepared(benchmark::State& state) {
  Inputs in;
  const crypto::AesGcmKey key(in.key.view());
  std::uint64_t version = 0;
  for (auto _ : state) {
    Bytes out = store::seal_record(key, "card0", "A000000151000000/counter", ++version, in.plaintext);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("store::seal_record with the card's crypto::AesGcmKey");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  sesame::bench::describe(
      "aes_gcm_seal",
      "One item = one AES-256-GCM encryption of a 64-byte record with a 40-byte AAD and a 12-byte IV "
      "(counter IV, so no random bytes are drawn except in store_seal_record). Baseline: raw OpenSSL EVP "
      "with one "
      "EVP_CIPHER_CTX whose cipher and key were set once; per record only EVP_EncryptInit_ex(iv), the AAD, "
      "the "
      "update, final and GET_TAG. `sesame_aes_gcm_encrypt`: crypto::aes_gcm_encrypt, which allocates a "
      "context "
      "and expands the key on every call. `sesame_aes_gcm_key`: crypto::AesGcmKey::encrypt, the key "
      "expanded once and a pooled context per call. `store_seal_record`: store::seal_record with the key "
      "as bytes, what the store does per record (formats the AAD, draws a random IV, encrypts, prepends "
      "the IV); `store_seal_record_prepared`: the same with the card's AesGcmKey, as CardStore::commit "
      "seals.");
  constexpr double kMinTime = 0.3;
  benchmark::RegisterBenchmark("aes_gcm_seal/baseline_openssl_evp", baseline_openssl)
      ->MinTime(kMinTime)
      ->UseRealTime();
  benchmark::RegisterBenchmark("aes_gcm_seal/sesame_aes_gcm_encrypt", sesame_encrypt)
      ->MinTime(kMinTime)
      ->UseRealTime();
  benchmark::RegisterBenchmark("aes_gcm_seal/sesame_aes_gcm_encrypt", sesame_encrypt)
      ->MinTime(kMinTime)
      ->Threads(2)
      ->UseRealTime();
  benchmark::RegisterBenchmark("aes_gcm_seal/sesame_aes_gcm_key", sesame_aes_gcm_key)
      ->MinTime(kMinTime)
      ->UseRealTime();
  benchmark::RegisterBenchmark("aes_gcm_seal/sesame_aes_gcm_key", sesame_aes_gcm_key)
      ->MinTime(kMinTime)
      ->Threads(2)
      ->UseRealTime();
  benchmark::RegisterBenchmark("aes_gcm_seal/store_seal_record", sesame_seal_record)
      ->MinTime(kMinTime)
      ->UseRealTime();
  benchmark::RegisterBenchmark("aes_gcm_seal/store_seal_record_prepared", sesame_seal_record_prepared)
      ->MinTime(kMinTime)
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
