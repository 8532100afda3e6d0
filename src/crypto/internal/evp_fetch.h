// Algorithms fetched from OpenSSL's default provider once per process and shared read-only.
// Internal to src/crypto: only crypto/*.cpp files include this (it names OpenSSL types).
// Fetching per call costs a provider lookup under OpenSSL's store lock; fetched objects are
// immutable and safe to share between threads.
#pragma once

#include <openssl/types.h>

#include "crypto/hash.h"

namespace sesame::crypto::internal {

enum class CipherId {
  aes_128_ecb,
  aes_192_ecb,
  aes_256_ecb,
  aes_128_cbc,
  aes_192_cbc,
  aes_256_cbc,
  des_ede3_ecb,
  des_ede3_cbc,
  aes_128_gcm,
  aes_192_gcm,
  aes_256_gcm,
};

// Each throws Error(Errc::crypto) if the provider does not offer the algorithm.
const EVP_MD* fetched_md(HashAlg alg);
const EVP_CIPHER* fetched_cipher(CipherId id);
EVP_MAC* fetched_mac_hmac();
EVP_MAC* fetched_mac_cmac();
EVP_KDF* fetched_kdf_hkdf();

// OpenSSL's name for the digest, as OSSL_PARAM values expect it ("SHA2-256").
const char* md_name(HashAlg alg);

}  // namespace sesame::crypto::internal
