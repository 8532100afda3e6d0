// HKDF (RFC 5869): extract-then-expand key derivation over HMAC-SHA-1/SHA-2.
#pragma once

#include <cstddef>

#include "crypto/hash.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

// PRK = HMAC-Hash(salt, IKM). An empty salt means HashLen zero bytes (RFC 5869 section 2.2).
SecureBytes hkdf_extract(HashAlg alg, ByteView salt, ByteView ikm);

// OKM of `length` bytes from a pseudorandom key of at least HashLen bytes.
// Throws Error(Errc::invalid_argument) if length is 0 or exceeds 255 * HashLen.
SecureBytes hkdf_expand(HashAlg alg, ByteView prk, ByteView info, std::size_t length);

// Extract then expand; the argument order follows RFC 5869: HKDF(salt, IKM, info, L).
SecureBytes hkdf(HashAlg alg, ByteView salt, ByteView ikm, ByteView info, std::size_t length);

}  // namespace sesame::crypto
