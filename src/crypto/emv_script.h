// EMV issuer script secure messaging primitives (EMV 4.3/4.4 Book 2 §9 and Annex A1.1/A1.2):
// the script command MAC (ISO/IEC 9797-1 MAC algorithm 3, padding method 2, 8 bytes) under the
// SMI session key, data encipherment (triple DES in CBC mode with a zero ICV, padding method 2 —
// the Book 2 §9.3 / CCD format) under the SMC session key, and the ISO 9564-1 format 2 PIN block
// that PIN CHANGE/UNBLOCK carries. Shared by the card (applets/emv) and the issuer host.
#pragma once

#include <string_view>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto::emv {

inline constexpr std::size_t kScriptMacSize = 8;

// MAC over the caller's input (Book 2 §9.2.3: header || ATC || AC || data, see
// iso7816/emv_script.h). Keys are 16 bytes; anything else throws Error(Errc::invalid_argument).
Bytes script_mac(ByteView session_key_smi, ByteView input);

// Book 2 §9.3.1: the plaintext padded with method 2 ('80' 00..) to whole blocks, 3DES-CBC, ICV 0.
Bytes encipher_script_data(ByteView session_key_smc, ByteView plaintext);
// The inverse; Error(Errc::parse) for a length that is not whole blocks or bad padding.
SecureBytes decipher_script_data(ByteView session_key_smc, ByteView ciphertext);

// ISO 9564-1 format 2: 2L || PIN digits || F padding, 8 bytes. PIN 4-12 digits, else
// Error(Errc::invalid_argument).
SecureBytes pin_block_format2(std::string_view pin);
// The PIN of a format 2 block; Error(Errc::parse) for any other block (the text never holds the PIN).
SecureString pin_from_block_format2(ByteView block);

}  // namespace sesame::crypto::emv
