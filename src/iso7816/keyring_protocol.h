// The keyring-scd applet's command set and the end-to-end message formats shared by the applet
// (the SPAKE2+ verifier), the keyring service (which only carries the messages) and the holder SDK
// (the SPAKE2+ prover). Documented in docs/SIGNING.md "keyring-scd instruction set".
#pragma once

#include <cstdint>
#include <string_view>

#include "crypto/aes_gcm.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"
#include "crypto/spake2plus.h"
#include "util/bytes.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::iso7816::keyring {

inline constexpr std::uint8_t kCla = 0x80;
inline constexpr std::size_t kKeyringIdSize = 16;
inline constexpr std::size_t kMaxRequestIdSize = 64;
inline constexpr std::size_t kSaltSize = 16;
inline constexpr std::size_t kUnlockSize = 32;
inline constexpr std::size_t kHashSize = 32;  // SHA-256 digests: the hash to sign, the description hash
inline constexpr std::uint8_t kActivationTries = 5;
inline constexpr std::string_view kVerifierId = "sesame keyring-scd";

enum class Ins : std::uint8_t {
  create = 0x10,
  activate_start = 0x12,
  activate_finish = 0x14,
  approve_start = 0x20,
  approve_finish = 0x22,
  get_info = 0x30,
  get_receipt_key = 0x32,
  destroy = 0x3E,
};

namespace tag {
inline constexpr std::uint32_t keyring_id = 0xC1;
inline constexpr std::uint32_t policy = 0xC2;     // try limit u8 || min PIN length u8
inline constexpr std::uint32_t record_w0 = 0xC3;  // activation record w0 (32)
inline constexpr std::uint32_t record_l = 0xC4;   // activation record L (65)
inline constexpr std::uint32_t share_p = 0xC5;
inline constexpr std::uint32_t share_v = 0xC6;
inline constexpr std::uint32_t confirm_v = 0xC7;
inline constexpr std::uint32_t confirm_p = 0xC8;
inline constexpr std::uint32_t envelope = 0xC9;    // IV (12) || AES-256-GCM ciphertext || tag
inline constexpr std::uint32_t public_key = 0xCA;  // the keyring's signing key, 04||X||Y
inline constexpr std::uint32_t request_id = 0xCB;
inline constexpr std::uint32_t hash = 0xCC;  // the hash to sign (SHA-256, 32)
inline constexpr std::uint32_t description_hash = 0xCD;
inline constexpr std::uint32_t signature = 0xCE;  // raw r||s (64)
inline constexpr std::uint32_t receipt = 0xCF;
inline constexpr std::uint32_t receipt_signature = 0xD0;
inline constexpr std::uint32_t state = 0xD1;  // KeyringState
inline constexpr std::uint32_t pin_tries = 0xD2;
inline constexpr std::uint32_t activation_tries = 0xD3;
inline constexpr std::uint32_t device_key = 0xD4;
inline constexpr std::uint32_t pin_salt = 0xD5;
inline constexpr std::uint32_t info = 0xE0;  // GET INFO template (constructed)
}  // namespace tag

// Inside the envelopes (never seen by the service in clear).
namespace envelope_tag {
inline constexpr std::uint32_t pin_w0 = 0x81;
inline constexpr std::uint32_t pin_l = 0x82;
inline constexpr std::uint32_t pin_salt = 0x83;
inline constexpr std::uint32_t pin_length = 0x84;
inline constexpr std::uint32_t unlock = 0x85;  // u, the holder's share of the key-wrapping key
inline constexpr std::uint32_t device_key = 0x86;
inline constexpr std::uint32_t device_signature = 0x87;
}  // namespace envelope_tag

enum class KeyringState : std::uint8_t { created = 1, active = 2, locked = 3 };

inline Bytes to_bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// SPAKE2+ contexts. Activation: the code; approval: the PIN, bound to the exact request.
inline crypto::spake2plus::Context activation_context(ByteView keyring_id) {
  return {to_bytes("sesame keyring activation v1"), Bytes(keyring_id.begin(), keyring_id.end()),
          to_bytes(kVerifierId)};
}
inline crypto::spake2plus::Context pin_context(ByteView keyring_id) {  // registration (ids only)
  return {to_bytes("sesame keyring pin v1"), Bytes(keyring_id.begin(), keyring_id.end()),
          to_bytes(kVerifierId)};
}
inline Bytes approval_binding(ByteView keyring_id, ByteView request_id, ByteView hash,
                              ByteView description_hash) {
  Bytes b = to_bytes("sesame keyring approval v1");
  b.push_back(static_cast<std::uint8_t>(keyring_id.size()));
  append(b, keyring_id);
  b.push_back(static_cast<std::uint8_t>(request_id.size()));
  append(b, request_id);
  append(b, hash);
  append(b, description_hash);
  return b;
}
inline crypto::spake2plus::Context approval_context(ByteView keyring_id, ByteView request_id, ByteView hash,
                                                    ByteView description_hash) {
  return {approval_binding(keyring_id, request_id, hash, description_hash),
          Bytes(keyring_id.begin(), keyring_id.end()), to_bytes(kVerifierId)};
}

// What the terminal's device key signs in APPROVE FINISH (SHA-256, raw r||s).
inline Bytes device_approval_input(ByteView keyring_id, ByteView request_id, ByteView hash,
                                   ByteView description_hash, ByteView confirm_p) {
  Bytes b = to_bytes("sesame keyring device approval v1");
  append(b, approval_binding(keyring_id, request_id, hash, description_hash));
  append(b, confirm_p);
  return b;
}

// The holder's unlock secret u = HKDF(salt = device secret D, IKM = w1 of the PIN, info || id).
// It needs both the terminal (D) and the PIN (w1); the server holds neither (only L = w1·P).
inline SecureBytes unlock_secret(ByteView device_secret, ByteView pin_w1, ByteView keyring_id) {
  Bytes info = to_bytes("sesame keyring unlock v1");
  append(info, keyring_id);
  return crypto::hkdf(crypto::HashAlg::sha256, device_secret, pin_w1, info, kUnlockSize);
}

// The end-to-end envelope: AES-256-GCM under HKDF(K_shared), AAD = INS || keyring id || request id.
inline SecureBytes envelope_key(ByteView k_shared) {
  return crypto::hkdf(crypto::HashAlg::sha256, {}, k_shared, as_bytes("sesame keyring e2e v1"), 32);
}
inline Bytes envelope_aad(Ins ins, ByteView keyring_id, ByteView request_id) {
  Bytes aad{static_cast<std::uint8_t>(ins)};
  append(aad, keyring_id);
  append(aad, request_id);
  return aad;
}
inline Bytes seal_envelope(ByteView k_shared, Ins ins, ByteView keyring_id, ByteView request_id,
                           ByteView plain) {
  const SecureBytes key = envelope_key(k_shared);
  Bytes out = crypto::random_bytes(crypto::kGcmIvSize);
  const Bytes iv = out;
  append(out, crypto::aes_gcm_encrypt(key.view(), iv, envelope_aad(ins, keyring_id, request_id), plain));
  return out;
}
// Error(Errc::crypto) when it does not open (altered, wrong key, replayed into another exchange).
inline SecureBytes open_envelope(ByteView k_shared, Ins ins, ByteView keyring_id, ByteView request_id,
                                 ByteView sealed) {
  if (sealed.size() < crypto::kGcmIvSize + crypto::kGcmTagSize)
    throw Error(Errc::crypto, "keyring envelope too short");
  const SecureBytes key = envelope_key(k_shared);
  return crypto::aes_gcm_decrypt(key.view(), sealed.first(crypto::kGcmIvSize),
                                 envelope_aad(ins, keyring_id, request_id),
                                 sealed.subspan(crypto::kGcmIvSize));
}

// The proof of transaction, signed by the applet's receipt key (ECDSA P-256, raw r||s over
// SHA-256 of these bytes):
//   "SKR1" || keyring id (16) || len u8 || request id || description hash (32) || signed hash (32)
//   || time (ms since 1970, i64 big-endian) || terminal id (16: SHA-256(device key point)[0..16))
struct Receipt {
  Bytes keyring_id, request_id, description_hash, signed_hash, terminal_id;
  std::int64_t time_ms = 0;
};
inline Bytes terminal_id_of(ByteView device_key_point) {
  Bytes h = crypto::sha256(device_key_point);
  h.resize(16);
  return h;
}
inline Bytes encode_receipt(const Receipt& r) {
  Bytes b = to_bytes("SKR1");
  append(b, r.keyring_id);
  b.push_back(static_cast<std::uint8_t>(r.request_id.size()));
  append(b, r.request_id);
  append(b, r.description_hash);
  append(b, r.signed_hash);
  put_u64(b, static_cast<std::uint64_t>(r.time_ms));
  append(b, r.terminal_id);
  return b;
}
// Error(Errc::parse) for anything but the exact layout.
inline Receipt decode_receipt(ByteView b) {
  const auto bad = [] { return Error(Errc::parse, "malformed keyring receipt"); };
  if (b.size() < 4 + kKeyringIdSize + 1 || !std::equal(b.begin(), b.begin() + 4, "SKR1")) throw bad();
  Receipt r;
  std::size_t o = 4;
  r.keyring_id.assign(b.begin() + o, b.begin() + o + kKeyringIdSize);
  o += kKeyringIdSize;
  const std::size_t n = b[o++];
  if (b.size() != o + n + 2 * kHashSize + 8 + 16) throw bad();
  r.request_id.assign(b.begin() + o, b.begin() + o + n);
  o += n;
  r.description_hash.assign(b.begin() + o, b.begin() + o + kHashSize);
  o += kHashSize;
  r.signed_hash.assign(b.begin() + o, b.begin() + o + kHashSize);
  o += kHashSize;
  std::uint64_t t = 0;
  for (int i = 0; i < 8; ++i) t = (t << 8) | b[o++];
  r.time_ms = static_cast<std::int64_t>(t);
  r.terminal_id.assign(b.begin() + o, b.end());
  return r;
}

}  // namespace sesame::iso7816::keyring
