// Types shared by the keyring service (src/services/keyring) and the holder SDK: the policy, the
// signed activation package, the messages of the holder API and the abstract transport the SDK
// talks through (HTTPS in production, a direct call in tests). docs/SIGNING.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/ec_key.h"
#include "util/bytes.h"
#include "util/error.h"

namespace sesame::host::keyring {

enum class KeyringKind : std::uint8_t { authentication = 1, signature = 2 };

struct KeyringPolicy {
  KeyringKind kind = KeyringKind::signature;
  std::uint8_t min_pin_length = 6;  // at least 4 (authentication only) / 6 (signature)
  std::uint8_t try_limit = 3;       // 1..15
  bool biometric_allowed = false;   // a factor for authentication requests (not built: PIN only)
  bool roaming_allowed = false;
  std::uint32_t request_lifetime_s = 300;
  std::uint8_t scrypt_log2_n = 15;  // the PIN and code stretch (scrypt N = 2^x, r = 8, p = 1); 10..20
};
// Error(Errc::invalid_argument) naming the rule broken.
void validate(const KeyringPolicy& p);

// What the registration authority signs when it creates a keyring (ECDSA P-256, raw r||s over
// SHA-256 of encode_package()):
//   "SKA1" || keyring id (16) || u16 len || identity (UTF-8) || kind u8 || min PIN u8 || tries u8
//   || biometric u8 || roaming u8 || lifetime u32 || scrypt log2 N u8 || salt (16) || created ms i64
struct ActivationPackage {
  Bytes keyring_id;
  std::string identity;
  KeyringPolicy policy;
  Bytes salt;  // of the activation code's scrypt stretch
  std::int64_t created_ms = 0;
};
Bytes encode_package(const ActivationPackage& p);
ActivationPackage decode_package(ByteView b);  // Error(Errc::parse)

struct SignedPackage {
  Bytes package;    // encode_package()
  Bytes signature;  // raw r||s by the RA key
};
// Error(Errc::crypto) unless the signature verifies under `ra_key`; then the decoded package.
ActivationPackage verify_package(const SignedPackage& sp, const crypto::EcPublicKey& ra_key);

// ---- the holder API (service side: KeyringService; SDK side: HolderTransport) ----
struct ActivationInfo {
  SignedPackage package;
  bool activated = false;  // the holder must see that it was not activated before
};
struct ExchangeReply {  // SPAKE2+ verifier's answer
  Bytes share_v, confirm_v;
};
struct RequestView {
  std::string request_id;
  std::string description;  // shown in full to the holder
  Bytes hash;               // the SHA-256 hash to sign
  Bytes pin_salt;
  std::uint8_t scrypt_log2_n = 15;
  std::int64_t expires_ms = 0;
};
struct ApprovalResult {
  Bytes signature;  // raw r||s over the hash
  Bytes receipt;    // iso7816::keyring::encode_receipt
  Bytes receipt_signature;
};

// How the SDK reaches the keyring service. Every call may throw Error: Errc::not_found (unknown
// keyring or request), Errc::state (wrong state: already activated, locked, not pending, expired),
// Errc::crypto (refused: wrong code or PIN, altered or replayed message).
class HolderTransport {
 public:
  virtual ~HolderTransport() = default;
  virtual ActivationInfo activation_info(const std::string& keyring_id) = 0;
  virtual ExchangeReply activate_start(const std::string& keyring_id, ByteView share_p) = 0;
  // Returns the keyring's signing public key.
  virtual Bytes activate_finish(const std::string& keyring_id, ByteView confirm_p, ByteView envelope) = 0;
  virtual std::vector<std::string> pending(const std::string& keyring_id) = 0;
  virtual RequestView request(const std::string& keyring_id, const std::string& request_id) = 0;
  virtual ExchangeReply approve_start(const std::string& keyring_id, const std::string& request_id,
                                      ByteView share_p) = 0;
  virtual ApprovalResult approve_finish(const std::string& keyring_id, const std::string& request_id,
                                        ByteView confirm_p, ByteView envelope) = 0;
  // device_signature: raw ECDSA P-256 over SHA-256(reject_input(...)) with the terminal's device key.
  virtual void reject(const std::string& keyring_id, const std::string& request_id,
                      ByteView device_signature) = 0;
};

Bytes reject_input(const std::string& keyring_id, const std::string& request_id);

}  // namespace sesame::host::keyring
