// AES-GCM (128/192/256) authenticated encryption with a 12-byte IV and a 16-byte tag.
#pragma once

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

inline constexpr std::size_t kGcmIvSize = 12;
inline constexpr std::size_t kGcmTagSize = 16;

// Returns ciphertext || tag.
Bytes aes_gcm_encrypt(ByteView key, ByteView iv, ByteView aad, ByteView plaintext);

// Input is ciphertext || tag. Throws Error(Errc::integrity) when the tag does not verify; on
// failure no plaintext is returned.
SecureBytes aes_gcm_decrypt(ByteView key, ByteView iv, ByteView aad, ByteView ciphertext_and_tag);

}  // namespace sesame::crypto
