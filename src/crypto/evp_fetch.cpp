#include "crypto/internal/evp_fetch.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <array>

#include "util/error.h"

namespace sesame::crypto::internal {
namespace {

constexpr std::array<const char*, 5> kMdNames = {"SHA1", "SHA2-224", "SHA2-256", "SHA2-384", "SHA2-512"};
constexpr std::array<const char*, 11> kCipherNames = {
    "AES-128-ECB",  "AES-192-ECB",  "AES-256-ECB", "AES-128-CBC", "AES-192-CBC", "AES-256-CBC",
    "DES-EDE3-ECB", "DES-EDE3-CBC", "AES-128-GCM", "AES-192-GCM", "AES-256-GCM",
};

// Fetched once, never freed: the objects must outlive every static that might still use them,
// and they stay reachable (not a leak) until OpenSSL's own exit-time cleanup.
struct Table {
  std::array<EVP_MD*, kMdNames.size()> md{};
  std::array<EVP_CIPHER*, kCipherNames.size()> cipher{};
  EVP_MAC* hmac = nullptr;
  EVP_MAC* cmac = nullptr;
  EVP_KDF* hkdf = nullptr;

  Table() {
    for (std::size_t i = 0; i < md.size(); ++i) md[i] = EVP_MD_fetch(nullptr, kMdNames[i], nullptr);
    for (std::size_t i = 0; i < cipher.size(); ++i)
      cipher[i] = EVP_CIPHER_fetch(nullptr, kCipherNames[i], nullptr);
    hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    cmac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
    hkdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    // A provider without some algorithm leaves errors queued; they are reported on use instead.
    ERR_clear_error();
  }
};

const Table& table() {
  static const Table t;  // C++11 magic static: initialised exactly once, thread-safe
  return t;
}

template <typename T>
T* present(T* p, const char* what) {
  if (p == nullptr) fail(Errc::crypto, std::string("crypto: algorithm unavailable: ") + what);
  return p;
}

std::size_t md_index(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1: return 0;
    case HashAlg::sha224: return 1;
    case HashAlg::sha256: return 2;
    case HashAlg::sha384: return 3;
    case HashAlg::sha512: return 4;
  }
  fail(Errc::invalid_argument, "crypto: unknown hash algorithm");
}

}  // namespace

const char* md_name(HashAlg alg) {
  return kMdNames[md_index(alg)];
}

const EVP_MD* fetched_md(HashAlg alg) {
  const std::size_t i = md_index(alg);
  return present(table().md[i], kMdNames[i]);
}

const EVP_CIPHER* fetched_cipher(CipherId id) {
  const auto i = static_cast<std::size_t>(id);
  if (i >= kCipherNames.size()) fail(Errc::invalid_argument, "crypto: unknown cipher");
  return present(table().cipher[i], kCipherNames[i]);
}

EVP_MAC* fetched_mac_hmac() {
  return present(table().hmac, "HMAC");
}
EVP_MAC* fetched_mac_cmac() {
  return present(table().cmac, "CMAC");
}
EVP_KDF* fetched_kdf_hkdf() {
  return present(table().hkdf, "HKDF");
}

}  // namespace sesame::crypto::internal
