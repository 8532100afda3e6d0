// The protocol math of PACE (ICAO Doc 9303-11 §4.4, BSI TR-03110-2 §3.2) and Chip
// Authentication (ICAO Doc 9303-11 §6.2, TR-03110-2 §3.4), shared by the card and the terminal:
// key derivation, the password key, nonce encryption, generic mapping on ECDH, the public key
// data object and the authentication token. ECDH with AES only (no DH, no 3DES).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "crypto/ec_curve.h"
#include "crypto/ec_point.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::iso7816::pace {

// PACE password references (TR-03110-3 Table D.2, ICAO 9303-11 §4.4.4.1 '83').
enum class PasswordRef : std::uint8_t { mrz = 1, can = 2, pin = 3, puk = 4 };

// OIDs as DER content octets (no tag, no length).
// id-PACE-ECDH-GM-AES-CBC-CMAC-128/-192/-256 = 0.4.0.127.0.7.2.2.4.2.{2,3,4}.
Bytes pace_ecdh_gm_oid(std::size_t key_length);
// id-CA-ECDH-AES-CBC-CMAC-128/-192/-256 = 0.4.0.127.0.7.2.2.3.2.{2,3,4}.
Bytes ca_ecdh_oid(std::size_t key_length);
// id-PK-ECDH = 0.4.0.127.0.7.2.2.1.2.
Bytes pk_ecdh_oid();
// AES key length (16, 24, 32) of one of the OIDs above, or nullopt for any other OID.
std::optional<std::size_t> pace_ecdh_gm_key_length(ByteView oid);
std::optional<std::size_t> ca_ecdh_key_length(ByteView oid);
// ICAO 9303-11 Table 6 standardized domain parameter IDs sesame offers: 12 P-256,
// 13 brainpoolP256r1, 15 P-384, 16 brainpoolP384r1 (see crypto::curve_from_standardized_id).
std::optional<int> standardized_id(crypto::Curve c) noexcept;

// KDF (ICAO 9303-11 §9.7.1): H(K || counter32) truncated to the key length; SHA-1 for
// 16-byte keys, SHA-256 for 24 and 32. Counter 1 = KSenc, 2 = KSmac, 3 = Kπ.
inline constexpr std::uint32_t kKdfEnc = 1, kKdfMac = 2, kKdfPassword = 3;
SecureBytes kdf(ByteView shared_secret, std::uint32_t counter, std::size_t key_length);

// ICAO 9303-3 §4.9 check digit (weights 7 3 1; '<' = 0, A..Z = 10..35). Error(invalid_argument)
// for other characters.
char mrz_check_digit(std::string_view field);
// The MRZ password f(π) = SHA-1(document number + cd || date of birth + cd || expiry + cd)
// (ICAO 9303-11 §9.7.3). The document number is used as given (9 characters, '<'-filled).
SecureBytes mrz_password(std::string_view document_number, std::string_view date_of_birth,
                         std::string_view date_of_expiry);

// Kπ = KDF(f(π), 3): f(π) is mrz_password() for the MRZ, the ASCII characters for CAN/PIN/PUK.
SecureBytes password_key(ByteView f_pi, std::size_t key_length);

// z = E(Kπ, s) / s = D(Kπ, z): AES-CBC with a zero IV over whole blocks (§4.4.3.1).
Bytes encrypt_nonce(ByteView k_pi, ByteView s);
SecureBytes decrypt_nonce(ByteView k_pi, ByteView z);

// Generic mapping (§4.4.3.3.1): G' = s·G + H, H = SK_map·PK_map(peer) (the full point).
crypto::EcPoint map_generator(ByteView s, const crypto::EcPoint& h);

// The public key data object of §4.4.3.5 / TR-03110-3 §D.3.3 for ECDH:
// '7F49' { '06' protocol OID, '86' uncompressed point }.
Bytes public_key_data_object(ByteView oid, const crypto::EcPoint& point);

// Authentication token T = MAC(KSmac, public key data object of the *peer's* ephemeral key):
// AES-CMAC truncated to 8 bytes (§4.4.3.5).
Bytes authentication_token(ByteView k_mac, ByteView oid, const crypto::EcPoint& peer_ephemeral);

struct SessionKeys {
  SecureBytes k_enc;
  SecureBytes k_mac;
};
// KSenc = KDF(K, 1), KSmac = KDF(K, 2).
SessionKeys session_keys(ByteView shared_secret, std::size_t key_length);

}  // namespace sesame::iso7816::pace
