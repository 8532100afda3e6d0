// AES-CMAC (NIST SP 800-38B, RFC 4493): the MAC of AES secure messaging (PACE/EAC) and SCP03.
#pragma once

#include <cstddef>

#include "util/bytes.h"

namespace sesame::crypto {

inline constexpr std::size_t kAesCmacSize = 16;

// Full 16-byte tag. Keys are 16, 24 or 32 bytes, else Error(Errc::invalid_argument).
Bytes aes_cmac(ByteView key, ByteView data);

// The leftmost tag_len bytes (1..16) of the tag, as SP 800-38B truncation (ICAO/BSI secure
// messaging and SCP03 use 8). Compare tags with secure_equal.
Bytes aes_cmac(ByteView key, ByteView data, std::size_t tag_len);

}  // namespace sesame::crypto
