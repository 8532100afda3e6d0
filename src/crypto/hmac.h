// HMAC (RFC 2104) over SHA-1 and SHA-2.
#pragma once

#include "crypto/hash.h"
#include "util/bytes.h"

namespace sesame::crypto {

// Returns the full-length tag (digest_size(alg) bytes); truncate at the call site if a protocol
// says so, and compare tags with secure_equal. An empty key is allowed (RFC 2104 pads it).
Bytes hmac(HashAlg alg, ByteView key, ByteView data);

}  // namespace sesame::crypto
