// ISO/IEC 9797-1 padding methods 1 and 2 (method 2 is also ISO/IEC 7816-4 padding, '80 00..').
#pragma once

#include <cstddef>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

enum class Iso9797Padding {
  method1,  // zero bytes up to a positive multiple of the block; none if non-empty and aligned
  method2,  // '80' then zero bytes; always added (a whole block when the data is aligned)
};

// block_size is 8 (DES) or 16 (AES); 0 throws Error(Errc::invalid_argument).
// The SecureBytes overloads keep padded secrets (PIN blocks, key data) in zeroizing memory.
Bytes iso9797_pad(Iso9797Padding method, ByteView data, std::size_t block_size);
SecureBytes iso9797_pad(Iso9797Padding method, const SecureBytes& data, std::size_t block_size);

// Removes method 2 padding. Strict: the input must be a non-empty whole number of blocks ending
// in '80' followed by fewer than block_size zero bytes, else Error(Errc::parse).
Bytes iso9797_unpad_method2(ByteView data, std::size_t block_size);
SecureBytes iso9797_unpad_method2(const SecureBytes& data, std::size_t block_size);

}  // namespace sesame::crypto
