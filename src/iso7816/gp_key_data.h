// The key data of GlobalPlatform PUT KEY for SCP03 AES key sets (GP Card Specification 2.3
// §11.8.2.3, Amendment D §7.2): per key, key type '88' || length || (clear key length || key
// encrypted with the static K-DEK, AES-CBC, zero ICV, zero-padded to whole blocks) || '03' || key
// check value. Shared by the card (decode) and the terminal (encode).
#pragma once

#include <cstdint>
#include <vector>

#include "iso7816/scp03.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::iso7816::gp {

inline constexpr std::uint8_t kKeyTypeAes = 0x88;

// The AES key check value: the first 3 bytes of AES-ECB(key, 16 bytes of '01') (Amendment D §4.2).
Bytes key_check_value(ByteView key);

// PUT KEY data for three keys (K-ENC, K-MAC, K-DEK, key identifiers 01-03): new KVN || 3 key data
// fields. Throws Error(Errc::invalid_argument) for keys of other lengths.
Bytes encode_put_key_data(std::uint8_t new_kvn, const scp03::StaticKeys& keys, ByteView dek);

struct PutKeyData {
  std::uint8_t new_kvn = 0;
  scp03::StaticKeys keys;
  Bytes check_values;  // the three KCVs, 9 bytes, as sent (verified)
};
// Decodes and decrypts. Throws Error(Errc::parse) for malformed data, Error(Errc::invalid_argument)
// for a key type other than AES ('88') or keys of different / unsupported lengths, Error(Errc::crypto)
// for a key check value that does not match the decrypted key.
PutKeyData decode_put_key_data(ByteView data, ByteView dek);

}  // namespace sesame::iso7816::gp
