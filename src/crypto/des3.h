// Triple DES (EDE, two-key and three-key) and single DES in ECB and CBC mode without padding,
// for the card protocols that still use them (ICAO BAC secure messaging, GlobalPlatform SCP02,
// EMV session keys and ISO/IEC 9797-1 MAC algorithm 3). New designs use AES.
#pragma once

#include <cstddef>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

inline constexpr std::size_t kDesBlockSize = 8;

// Keys are 16 bytes (K1||K2, used as K1,K2,K1) or 24 bytes (K1||K2||K3). Parity bits are ignored.
// CBC IVs are 8 bytes; data must be a whole number of 8-byte blocks. Anything else throws
// Error(Errc::invalid_argument).
Bytes des3_ecb_encrypt(ByteView key, ByteView plaintext);
SecureBytes des3_ecb_decrypt(ByteView key, ByteView ciphertext);
Bytes des3_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext);
SecureBytes des3_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext);

// Single DES with an 8-byte key. Computed as EDE with K1=K2=K3 (which is single DES), so it
// needs no OpenSSL legacy provider.
Bytes des_ecb_encrypt(ByteView key, ByteView plaintext);
SecureBytes des_ecb_decrypt(ByteView key, ByteView ciphertext);
Bytes des_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext);
SecureBytes des_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext);

}  // namespace sesame::crypto
