// EMV symmetric cryptography (EMV 4.3/4.4 Book 2 Annex A1, §8): ICC master key derivation,
// common session key derivation, application cryptograms (ARQC/TC/AAC) and ARPC methods 1 and 2.
// Shared by the card (applets/emv), the POS kernel and the issuer host (host/emv).
//
// All keys are double-length triple-DES keys (16 bytes). Derived keys have odd DES parity, as
// Book 2 A1.4 asks ("adjusted to odd parity"). Wrong sizes throw Error(Errc::invalid_argument).
#pragma once

#include <cstdint>
#include <string_view>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto::emv {

// ICC Master Key, Book 2 A1.4.1 (option A): Y = the rightmost 16 digits of PAN || PSN (PSN "00"
// when absent) as 8 bytes of BCD; MK = 3DES(IMK, Y) || 3DES(IMK, Y xor FF..FF). `pan` is the PAN's
// digits (no F padding), `psn` 0 or 2 digits.
SecureBytes derive_icc_master_key_a(ByteView issuer_master_key, std::string_view pan, std::string_view psn);

// Book 2 A1.4.2 (option B) for PANs of more than 16 digits: SHA-1 over PAN || PSN (BCD, left
// padded with a zero digit when odd), decimalised to 16 digits, then as option A. PANs of 16 digits
// or fewer use option A, as the annex says.
SecureBytes derive_icc_master_key_b(ByteView issuer_master_key, std::string_view pan, std::string_view psn);

// Common Session Key derivation, Book 2 A1.3.1: R is 8 bytes (ATC || 00 00 00 00 00 00 for the
// AC key); SK = 3DES(MK, R0 R1 F0 R3..R7) || 3DES(MK, R0 R1 0F R3..R7).
SecureBytes derive_common_session_key(ByteView icc_master_key, ByteView r);
// R for the application cryptogram session key: ATC || six zero bytes.
Bytes ac_diversifier(std::uint16_t atc);

// Application Cryptogram, Book 2 §8.1.2: ISO/IEC 9797-1 MAC algorithm 3 with padding method 2
// (Book 2 A1.2.1) over `data`, 8 bytes.
Bytes application_cryptogram(ByteView session_key, ByteView data);

// The data the sesame card's cryptograms cover (CVN 0x10, docs/EMV.md): the CDOL1 related data
// (and, for the second GENERATE AC, the CDOL2 related data after it) || AIP (2) || ATC (2) ||
// CVR (6). Book 2 §8.1.1 recommends amount, country, TVR, currency, date, type, UN, AIP and ATC;
// CDOL1 carries the terminal's part of them.
Bytes cryptogram_input(ByteView cdol_data, ByteView aip, std::uint16_t atc, ByteView cvr);

// ARPC method 1, Book 2 §8.2.1: 3DES(key, ARQC xor (ARC || 00..00)); ARC is 2 bytes. 8 bytes.
Bytes arpc_method1(ByteView key, ByteView arqc, ByteView arc);
// ARPC method 2, Book 2 §8.2.2: MAC algorithm 3 (padding method 2) over ARQC || CSU (4 bytes) ||
// Proprietary Authentication Data (0-8 bytes), leftmost 4 bytes.
Bytes arpc_method2(ByteView key, ByteView arqc, ByteView csu, ByteView proprietary_auth_data);

// Key check value: the leftmost `n` bytes of 3DES(key, 00..00) (n 1..8).
Bytes key_check_value(ByteView key, std::size_t n = 3);

// Digits of a BCD field with trailing F padding (tag 5A, 5F34): "5413330089010608". Throws
// Error(Errc::parse) for a nibble other than a digit before the padding.
std::string bcd_digits(ByteView bcd);
// The inverse: digits packed two per byte, padded with F to `size` bytes (0: as short as possible).
Bytes digits_to_bcd(std::string_view digits, std::size_t size = 0);

}  // namespace sesame::crypto::emv
