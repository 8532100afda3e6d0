// RSA signatures: PKCS#1 v1.5 (RSASSA-PKCS1-v1_5) and PSS (RSASSA-PSS, MGF1 with the same hash),
// RFC 8017. PSS signs with salt length = digest length; verification defaults to the same and can
// be told another salt length (ICAO documents carry it in RSASSA-PSS-params).
// Verification returns false for a wrong or malformed signature.
#pragma once

#include <cstddef>
#include <optional>

#include "crypto/rsa_key.h"
#include "crypto/signature_hash.h"
#include "util/bytes.h"

namespace sesame::crypto {

enum class RsaPadding { pkcs1_v15, pss };

struct RsaSignatureScheme {
  RsaPadding padding = RsaPadding::pss;
  SignatureHash hash = SignatureHash::sha256;
  std::optional<std::size_t> pss_salt_length;  // verify only; default: digest length
};

Bytes rsa_sign(const RsaPrivateKey& key, const RsaSignatureScheme& scheme, ByteView message);
bool rsa_verify(const RsaPublicKey& key, const RsaSignatureScheme& scheme, ByteView message,
                ByteView signature);

// Same over a precomputed digest of scheme.hash (digest_size bytes).
Bytes rsa_sign_digest(const RsaPrivateKey& key, const RsaSignatureScheme& scheme, ByteView digest);
bool rsa_verify_digest(const RsaPublicKey& key, const RsaSignatureScheme& scheme, ByteView digest,
                       ByteView signature);

}  // namespace sesame::crypto
