// The hash inside a signature scheme (ECDSA, RSA PKCS#1 v1.5, RSA-PSS): HashAlg from hash.h under
// the name the signature APIs use. SHA-1 and SHA-224 are there for verifying what older passports
// and certificates carry; sign with SHA-256 or better.
#pragma once

#include "crypto/hash.h"

namespace sesame::crypto {

using SignatureHash = HashAlg;

}  // namespace sesame::crypto
