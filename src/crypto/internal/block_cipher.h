// Shared runner for the unpadded ECB/CBC modes behind aes.h and des3.h.
// Internal to src/crypto: only crypto/*.cpp files include this (it names OpenSSL types).
#pragma once

#include <openssl/types.h>

#include <cstdint>

#include "util/bytes.h"

namespace sesame::crypto::internal {

// Encrypts or decrypts `in` into `out` (in.size() bytes) without padding. The caller has chosen
// the cipher from the key length. Throws Error(Errc::invalid_argument) when `in` is not a whole
// number of blocks or `iv` does not match the mode (empty for ECB, one block for CBC);
// `what` prefixes the message ("aes", "des3").
void run_block_cipher(const EVP_CIPHER* cipher, bool encrypt, ByteView key, ByteView iv, ByteView in,
                      std::uint8_t* out, const char* what);

}  // namespace sesame::crypto::internal
