// The WSCA applet's wire protocol (docs/WSCA.md): instruction bytes, data object tags, curve and
// policy codes, and the two constructions both sides compute — the input a device key signs and
// the parameters of the PIN envelope (crypto/ecdh_envelope.h). Shared by the applet
// (applets/wsca) and its terminals (host/wsca), so it lives here and depends on util/ only.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "util/bytes.h"

namespace sesame::iso7816::wsca {

inline constexpr std::uint8_t kCla = 0x80;

enum class Ins : std::uint8_t {
  get_challenge = 0x84,
  create_unit = 0x10,
  activate = 0x12,
  authenticate = 0x14,
  unblock = 0x16,
  provider_authenticate = 0x18,
  provider_unblock = 0x1A,
  delete_unit = 0x1C,
  get_unit_info = 0x1E,
  logout = 0x1F,
  generate_key = 0x20,
  sign = 0x22,
  ecdh = 0x24,
  get_key_info = 0x26,
  list_keys = 0x28,
  delete_key = 0x2A,
  put_data = 0x30,
  get_data = 0x32,
  delete_data = 0x34,
  bind_keys = 0x36,
};

// Context-specific data objects of the command and response data fields.
namespace tag {
inline constexpr std::uint32_t unit_id = 0xC0;        // 4 bytes
inline constexpr std::uint32_t puk = 0xC1;            // ASCII digits
inline constexpr std::uint32_t ka_public_key = 0xC2;  // the unit's key-agreement key, 04||X||Y
inline constexpr std::uint32_t device_key = 0xC3;     // the device public key, P-256 04||X||Y
inline constexpr std::uint32_t ephemeral_key = 0xC4;  // PIN envelope: sender's ephemeral point
inline constexpr std::uint32_t envelope = 0xC5;       // PIN envelope: iv(12) || ciphertext || tag
inline constexpr std::uint32_t signature = 0xC6;      // device / provider signature, raw r||s
inline constexpr std::uint32_t curve = 0xC7;          // 1 byte, CurveCode
inline constexpr std::uint32_t policy = 0xC8;         // 1 byte, KeyPolicy
inline constexpr std::uint32_t window = 0xC9;         // 2 bytes, seconds
inline constexpr std::uint32_t key_id = 0xCA;         // 4 bytes
inline constexpr std::uint32_t digest = 0xCB;         // message digest to sign
inline constexpr std::uint32_t peer_point = 0xCC;     // ECDH peer public point
inline constexpr std::uint32_t public_key = 0xCD;     // 04||X||Y
inline constexpr std::uint32_t key_flags = 0xCE;      // 1 byte
inline constexpr std::uint32_t object_id = 0xCF;      // 2 bytes
inline constexpr std::uint32_t object_value = 0xD0;   // data object content
inline constexpr std::uint32_t unit_state = 0xD1;     // 1 byte, UnitState
inline constexpr std::uint32_t pin_tries = 0xD2;      // 1 byte
inline constexpr std::uint32_t puk_tries = 0xD3;      // 1 byte (absent: no PUK)
inline constexpr std::uint32_t label = 0xD4;          // key label, 0..64 bytes (PKCS#11 CKA_LABEL)
inline constexpr std::uint32_t operation = 0xD5;      // AUTHENTICATE: the one operation it allows
inline constexpr std::uint32_t pin_delay = 0xD6;      // 4 bytes: seconds until the next PIN attempt
inline constexpr std::uint32_t nonce = 0xD7;          // BIND KEYS: the verifier's nonce, 1..128 bytes
inline constexpr std::uint32_t key_ids = 0xD8;        // BIND KEYS: 1..16 key ids, 4 bytes each
inline constexpr std::uint32_t transcript = 0xD9;     // BIND KEYS answer: what every key signed
inline constexpr std::uint32_t key_proof = 0xDA;      // BIND KEYS answer: one key's signature, raw r||s
inline constexpr std::uint32_t key_template = 0xE0;   // constructed: one key's information
inline constexpr std::uint32_t unit_template = 0xE1;  // constructed: one unit's information
}  // namespace tag

// Plaintexts inside the PIN envelope (TLV): the PIN, and for UNBLOCK the PUK and a new PIN.
namespace envelope_tag {
inline constexpr std::uint32_t pin = 0x81;
inline constexpr std::uint32_t puk = 0x82;
inline constexpr std::uint32_t new_pin = 0x83;
}  // namespace envelope_tag

enum class CurveCode : std::uint8_t { p256 = 0x01, p384 = 0x02, brainpool_p256r1 = 0x03 };

enum class KeyPolicy : std::uint8_t {
  session = 0x00,  // usable while the user authentication is younger than the key's window
  per_use = 0x01,  // every use needs its own user authentication (consumed by the use)
};

enum class UnitState : std::uint8_t { created = 0x01, active = 0x02 };

// Key flags (tag CE): b1 generated in the WSCA, b2 never extractable.
inline constexpr std::uint8_t kFlagLocal = 0x01;
inline constexpr std::uint8_t kFlagNeverExtractable = 0x02;

// SIGN P1: signature format.
inline constexpr std::uint8_t kSignRaw = 0x00;  // r||s, each field_size bytes (JWS)
inline constexpr std::uint8_t kSignDer = 0x01;  // DER Ecdsa-Sig-Value

// Escalating delays after wrong PINs: the status of an attempt made while one runs (the device
// signature was valid; no try counted), and the delay after the n-th consecutive wrong PIN.
inline constexpr std::uint16_t kSwPinDelay = 0x6601;
inline constexpr std::uint32_t pin_delay_after(unsigned failures) {
  return failures <= 1 ? 0 : failures == 2 ? 30 : failures == 3 ? 120 : 600;
}

inline constexpr std::uint32_t kProviderUnit = 0;  // GET CHALLENGE for the provider
inline constexpr std::size_t kChallengeSize = 32;
inline constexpr std::size_t kMinPinLength = 6;
inline constexpr std::size_t kMaxDataObject = 1024;
inline constexpr std::size_t kMaxLabel = 64;
inline constexpr std::uint16_t kDefaultWindow = 300;  // seconds

// What a device (or the provider) signs with ECDSA P-256 / SHA-256, raw r||s:
//   "sesame/wsca/auth/v1" || INS || challenge || the command data before the signature object.
// The signature object (tag C6) is the last one of the command data.
Bytes auth_signing_input(Ins ins, ByteView challenge, ByteView signed_data);

// Operation binding (tag D5 of AUTHENTICATE, covered by the device signature):
//   INS || P1 || SHA-256(the operation command's data field), 34 bytes.
// An authentication carrying it allows exactly that one command (same INS, P1 and data) and ends
// with it; any other command needing the user ends it with 6982. INS 00 names an operation the
// relay performs itself (P1 kRelayKeyAttestation / kRelayWalletAttestation): it allows no
// applet command at all.
inline constexpr std::size_t kOperationBindingSize = 34;
inline constexpr std::uint8_t kRelayOperation = 0x00;
inline constexpr std::uint8_t kRelayKeyAttestation = 0x01;
inline constexpr std::uint8_t kRelayWalletAttestation = 0x02;
Bytes operation_binding(std::uint8_t ins, std::uint8_t p1, ByteView data_sha256);

// BIND KEYS (cryptographic binding of keys): every named key signs the same transcript
//   "sesame/wsca/binding/v1" || unit(4) || len(1) || nonce || n(1) ||
//   n x (key id(4) || curve code(1) || len(1) || public point)
// with ECDSA (SHA-256 on P-256 and brainpoolP256r1, SHA-384 on P-384), raw r||s.
inline constexpr std::string_view kBindingContext = "sesame/wsca/binding/v1";
inline constexpr std::size_t kMaxBindingNonce = 128;
inline constexpr std::size_t kMaxBoundKeys = 16;

// PIN envelope parameters: salt = the card challenge, info = kEnvelopeInfo,
// aad = INS || unit id (4 bytes).
inline constexpr std::string_view kEnvelopeInfo = "sesame/wsca/pin/v1";
Bytes envelope_aad(Ins ins, std::uint32_t unit_id);

}  // namespace sesame::iso7816::wsca
