// Delegated management (GP Card Specification 2.3 §9.4, Appendix C.4): the math shared by the card
// (card/delegated_management.h) and the terminal (host/gp/delegated_management.h).
//
// A Supplementary Security Domain with the Delegated Management privilege runs INSTALL [for
// install], INSTALL [for extradition] and DELETE only with a TOKEN of the ISD owner, and the card
// answers with a RECEIPT:
//  - token key: an ECC P-256 key pair of the ISD owner; the card holds the public key (PUT KEY to
//    the ISD, KVN '70', key type 'B0' ECC public key + 'F0' key parameter reference '00' = P-256);
//  - token = ECDSA-SHA-256 (r||s, 64 bytes) over the token data of §C.4.1 — P1 || P2 || length of
//    the following || the command's data without the token — followed by the card's NEXT
//    confirmation counter (2 bytes) and its card unique data (10 bytes). The last two are sesame's
//    addition: they bind the token to one card and one use (replay protection; GP leaves replay to
//    the issuer's back end);
//  - receipt key: an AES key shared by the card and the ISD owner (PUT KEY to the ISD, KVN '71',
//    key type '88', encrypted with K-DEK, with its key check value);
//  - receipt = AES-CMAC (16 bytes) over the confirmation data — '02' || confirmation counter ||
//    '0A' || card unique data — followed by the command's receipt data (§C.4.2): INSTALL: LV load
//    file AID || LV application AID; extradition: LV SD AID || LV application AID; DELETE: LV AID.
// The response of such a command: '10' || receipt || length || confirmation data (§11.5.3.1).
// sesame's card unique data is the 10-byte key diversification data of INITIALIZE UPDATE.
// No published vectors for tokens or receipts were found; these layouts are sesame's reading of
// Appendix C.4 (docs/GP.md).
#pragma once

#include <cstdint>
#include <optional>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::iso7816::gp {

inline constexpr std::uint8_t kTokenKeyVersion = 0x70;
inline constexpr std::uint8_t kReceiptKeyVersion = 0x71;
inline constexpr std::uint8_t kKeyTypeEccPublic = 0xB0;      // GP 2.3 Table 11-16
inline constexpr std::uint8_t kKeyTypeEccParameters = 0xF0;  // key parameter reference
inline constexpr std::uint8_t kEccP256 = 0x00;               // parameter reference of P-256
inline constexpr std::size_t kTokenLength = 64;
inline constexpr std::size_t kReceiptLength = 16;
inline constexpr std::size_t kCardUniqueDataLength = 10;

// The message a token signs.
Bytes token_message(std::uint8_t p1, std::uint8_t p2, ByteView data_without_token,
                    std::uint16_t confirmation_counter, ByteView card_unique_data);

// '02' counter '0A' card unique data.
Bytes confirmation_data(std::uint16_t confirmation_counter, ByteView card_unique_data);
Bytes receipt(ByteView receipt_key, ByteView confirmation, ByteView receipt_data);

struct Confirmation {
  Bytes receipt;
  std::uint16_t counter = 0;
  Bytes card_unique_data;
};
// The response data of a delegated command. Throws Error(Errc::parse) when malformed.
Confirmation parse_confirmation(ByteView response);
Bytes encode_confirmation(ByteView receipt, std::uint16_t counter, ByteView card_unique_data);

// PUT KEY (P2 = 01, one key) data for the token key: '70' 'B0' 41 point 'F0' 01 00 00.
Bytes encode_token_key_data(ByteView p256_point);
// PUT KEY data for the receipt key: '71' '88' L (length || key under K-DEK) 03 KCV.
Bytes encode_receipt_key_data(ByteView key, ByteView dek);

struct DelegationKey {
  std::uint8_t version = 0;
  Bytes token_point;    // KVN 70: the P-256 public point
  SecureBytes receipt;  // KVN 71: the AES key
};
// Throws Error(Errc::parse) malformed, Error(Errc::invalid_argument) other key types / versions /
// curves, Error(Errc::crypto) a key check value that does not match.
DelegationKey decode_delegation_key_data(ByteView data, ByteView dek);

}  // namespace sesame::iso7816::gp
