// Cryptographically secure random bytes from OpenSSL's DRBG.
#pragma once

#include <span>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

void random_fill(std::span<std::uint8_t> out);
Bytes random_bytes(std::size_t n);
SecureBytes random_secret(std::size_t n);

}  // namespace sesame::crypto
