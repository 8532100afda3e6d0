// Internal to src/crypto: how other crypto/*.cpp files (x509, cms, jws, ...) reach the EVP_PKEY
// inside a key object, and wrap an EVP_PKEY they decoded into one. Not for use outside src/crypto.
#pragma once

#include <openssl/evp.h>

#include <memory>

#include "crypto/ec_key.h"
#include "crypto/rsa_key.h"

namespace sesame::crypto::internal {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;

// A fresh operation context on a shared key (one per operation: contexts are not thread-safe,
// the key is). Throws Error(Errc::crypto) on allocation failure.
EvpPkeyCtxPtr new_pkey_ctx(EVP_PKEY* pkey);

// DER codecs (pkey.cpp). Decoders refuse trailing bytes and malformed input with Error(Errc::parse)
// and do not check the key type: pass the result to a *_from constructor below.
EvpPkeyPtr decode_spki(ByteView der);
Bytes encode_spki(EVP_PKEY* pkey);
EvpPkeyPtr decode_pkcs8(ByteView der);
SecureBytes encode_pkcs8(EVP_PKEY* pkey);

// The key object keeps ownership; the pointer is valid while the object (or a copy) lives.
// Non-const only because OpenSSL's EVP_PKEY_CTX_new takes EVP_PKEY*: never modify the key.
EVP_PKEY* evp_pkey_of(const EcPublicKey& key) noexcept;
EVP_PKEY* evp_pkey_of(const EcPrivateKey& key) noexcept;
EVP_PKEY* evp_pkey_of(const RsaPublicKey& key) noexcept;
EVP_PKEY* evp_pkey_of(const RsaPrivateKey& key) noexcept;

// Take ownership of a decoded key, check its type and validate it as the public factories do
// (EC: named curve from ec_curve.h, point on the curve; RSA: size limits). Throws
// Error(Errc::crypto) for a key of the wrong type or that fails validation.
EcPublicKey ec_public_key_from(EvpPkeyPtr pkey);
EcPrivateKey ec_private_key_from(EvpPkeyPtr pkey);
RsaPublicKey rsa_public_key_from(EvpPkeyPtr pkey);
// `check`: verify the key is consistent (see RsaPrivateKey::from_pkcs8_der).
RsaPrivateKey rsa_private_key_from(EvpPkeyPtr pkey, bool check = true);

// EVP_PKEY_EC or EVP_PKEY_RSA (or another EVP_PKEY_* id) of a decoded key, so a caller holding an
// SPKI of unknown type can pick the constructor above.
inline int pkey_type(const EVP_PKEY* pkey) noexcept { return EVP_PKEY_get_base_id(pkey); }

// Grants the functions above access to the key classes' private parts.
struct PkeyAccess {
  template <typename Key>
  static const auto& impl(const Key& key) noexcept {
    return key.impl_;
  }
  template <typename Key, typename ImplPtr>
  static Key make(ImplPtr impl) {
    return Key(std::move(impl));
  }
};

}  // namespace sesame::crypto::internal
