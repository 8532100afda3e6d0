// AES-128/192/256 in ECB and CBC mode without padding, for protocols that pad themselves
// (ISO 7816-4 secure messaging, PACE, GlobalPlatform SCP03). For sealing data use aes_gcm.h.
#pragma once

#include <cstddef>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

inline constexpr std::size_t kAesBlockSize = 16;

// Keys are 16, 24 or 32 bytes; CBC IVs are 16 bytes; data must be a whole number of blocks.
// Anything else throws Error(Errc::invalid_argument). Decryption results may carry secrets
// (wrapped keys, PACE nonces), so they come back as SecureBytes.
Bytes aes_ecb_encrypt(ByteView key, ByteView plaintext);
SecureBytes aes_ecb_decrypt(ByteView key, ByteView ciphertext);
Bytes aes_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext);
SecureBytes aes_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext);

// E_K(block) for exactly one 16-byte block (e.g. the secure messaging IV = E(K_Enc, SSC)).
Bytes aes_encrypt_block(ByteView key, ByteView block);

}  // namespace sesame::crypto
