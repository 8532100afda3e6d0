// Internal to the keyring-scd applet: the per-keyring records, each sealed by the applet itself
// (AES-256-GCM under a key derived from the platform secret, AAD = keyring id || record name) on
// top of the store's own sealing, so a record copied from one keyring to another — even by someone
// holding the store's master key — no longer opens (6984), and the platform secret and receipt key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "card/persistent.h"
#include "crypto/ec_key.h"
#include "iso7816/keyring_protocol.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::applets::keyring {

using iso7816::keyring::KeyringState;

struct KeyringMeta {
  KeyringState state = KeyringState::created;
  std::uint8_t try_limit = 3;
  std::uint8_t min_pin_length = 6;
  SecureBytes activation_w0;  // erased at activation
  Bytes activation_l;
  SecureBytes pin_w0;
  Bytes pin_l;
  Bytes pin_salt;
  Bytes device_key;   // the terminal's P-256 public key, 04||X||Y
  Bytes wrapped_key;  // IV || AES-256-GCM(KEK, PKCS#8 of the signing key)
  Bytes public_key;   // the signing key's public point
};

struct Tries {
  std::uint8_t pin = 0;
  std::uint8_t activation = 0;
};

// Platform secret (32 random bytes made at install; the stand-in for the HSM-held platform key)
// and the receipt key (P-256, signs proofs of transaction). Both created by ensure_platform().
void ensure_platform(card::Persistent& p);
SecureBytes platform_secret(const card::Persistent& p);
crypto::EcPrivateKey receipt_key(const card::Persistent& p);

bool keyring_exists(const card::Persistent& p, ByteView id);
// SW 6A88 when absent, 6984 when a record does not open under this keyring's id (moved, altered).
KeyringMeta read_meta(const card::Persistent& p, ByteView id);
void write_meta(card::Persistent& p, ByteView id, const KeyringMeta& m);
Tries read_tries(const card::Persistent& p, ByteView id);
// Durable at once (put_now): the anti-tearing write made BEFORE the check it guards.
void write_tries_now(card::Persistent& p, ByteView id, const Tries& t);
void write_tries(card::Persistent& p, ByteView id, const Tries& t);
// Every record of the keyring (destroy).
void erase_keyring(card::Persistent& p, ByteView id);

// KEK = HKDF(salt = platform secret, IKM = u, info = "sesame keyring kek v1" || id): needs both.
SecureBytes key_encryption_key(const card::Persistent& p, ByteView unlock, ByteView id);
Bytes wrap_key(ByteView kek, ByteView id, const crypto::EcPrivateKey& key);
// nullopt when the KEK is wrong (a wrong unlock secret) or the blob belongs to another keyring.
std::optional<crypto::EcPrivateKey> unwrap_key(ByteView kek, ByteView id, ByteView wrapped);

}  // namespace sesame::applets::keyring
