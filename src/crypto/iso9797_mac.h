// ISO/IEC 9797-1 MAC algorithm 1 (CBC-MAC) and MAC algorithm 3 (the "retail MAC" of ICAO BAC
// secure messaging, EMV and GlobalPlatform SCP02). Both use initial transformation 1 (encrypt
// the first block); the caller truncates the result if its protocol says so and compares MACs
// with secure_equal.
#pragma once

#include "crypto/padding.h"
#include "util/bytes.h"

namespace sesame::crypto {

// MAC algorithm 1 with DES as the block cipher: an 8-byte key means single DES, 16 or 24 bytes
// triple DES (as des3.h). icv is an initial chaining value (8 bytes; empty means zeros), which
// chained-MAC protocols such as SCP02 need. Returns 8 bytes.
Bytes iso9797_mac1_des(ByteView key, ByteView data, Iso9797Padding padding, ByteView icv = {});

// MAC algorithm 1 with AES (16/24/32-byte key, icv 16 bytes or empty). Returns the full
// 16-byte last block; GP/EMV profiles that want 8 bytes take the leftmost 8.
Bytes iso9797_mac1_aes(ByteView key, ByteView data, Iso9797Padding padding, ByteView icv = {});

// MAC algorithm 3 with DES: key is K||K' (16 bytes). CBC under single-DES K over all blocks,
// then output transformation 3: the last block is decrypted under K' and encrypted under K.
// icv as for MAC algorithm 1. Returns 8 bytes.
Bytes iso9797_mac3(ByteView key, ByteView data, Iso9797Padding padding, ByteView icv = {});

}  // namespace sesame::crypto
