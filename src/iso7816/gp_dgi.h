// GlobalPlatform STORE DATA (GP Card Specification 2.3 §11.11) parameters and the Data Grouping
// Identifier (DGI) format its data uses (GP 2.3 §11.11.2.2, EMV CPS §1.4 / Annex A): per DGI a
// 2-byte identifier, a length (1 byte 00-FE, or FF and 2 bytes) and the value. Shared by the card
// (the ISD's STORE DATA) and the terminal (host/gp/store_data).
//
// Encrypted DGIs (P1 b7b6 = 11, "encrypted data"): each DGI's value is encrypted on its own with
// the SCP03 session's static K-DEK (Amendment D: SCP03 has no session DEK), AES-CBC with a zero
// ICV, after ISO/IEC 9797-1 method 2 padding ('80 00..', always added); the DGI header is clear.
#pragma once

#include <cstdint>
#include <vector>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::iso7816::gp {

// STORE DATA P1 (GP 2.3 Table 11-96).
namespace store_data_p1 {
inline constexpr std::uint8_t last_block = 0x80;      // b8
inline constexpr std::uint8_t encryption_mask = 0x60;  // b7b6
inline constexpr std::uint8_t not_encrypted = 0x00;
inline constexpr std::uint8_t application_encryption = 0x20;
inline constexpr std::uint8_t encrypted = 0x60;         // encrypted with K-DEK
inline constexpr std::uint8_t structure_mask = 0x18;    // b5b4
inline constexpr std::uint8_t no_structure = 0x00;
inline constexpr std::uint8_t dgi_format = 0x08;
inline constexpr std::uint8_t ber_tlv_format = 0x10;
}  // namespace store_data_p1

struct Dgi {
  std::uint16_t tag = 0;
  SecureBytes value;  // personalisation data may be secret (PINs, keys)
};

// One DGI in the DGI format. Values longer than 65535 bytes throw Error(Errc::invalid_argument).
Bytes encode_dgi(std::uint16_t tag, ByteView value);
// A whole data field of DGIs. Throws Error(Errc::parse) for a truncated header or value, or a
// long-form length that would fit the short form (one encoding per value).
std::vector<Dgi> parse_dgis(ByteView data);

// The encrypted form of a DGI value (see above), and back. decrypt throws Error(Errc::parse) for a
// length that is not a positive multiple of 16 or a padding that does not check.
Bytes encrypt_dgi_value(ByteView dek, ByteView value);
SecureBytes decrypt_dgi_value(ByteView dek, ByteView encrypted);

}  // namespace sesame::iso7816::gp
