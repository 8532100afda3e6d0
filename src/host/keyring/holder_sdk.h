// The holder SDK: the terminal side of a keyring (docs/SIGNING.md). It checks the registration
// authority's signed activation package, activates the keyring with the activation code through
// SPAKE2+ (the code never leaves the terminal), registers the PIN as a SPAKE2+ record (the PIN
// never leaves it either), a device key and a device secret; then lists, shows, approves (a SPAKE2+
// run with the PIN bound to the exact request) or rejects signature requests. Messages meant for
// the keyring applet are sealed end to end under the SPAKE2+ session key, independent of TLS.
#pragma once

#include <string>
#include <vector>

#include "crypto/ec_key.h"
#include "host/keyring/keyring_types.h"
#include "util/secure_buffer.h"

namespace sesame::host::keyring {

// What the terminal keeps about one activated keyring (the app stores it in its own secure
// storage). The device secret and the PIN together make the unlock secret of the signing key.
struct TerminalKeyring {
  std::string keyring_id;
  crypto::EcPrivateKey device_key;
  SecureBytes device_secret;
  Bytes signing_public_key;
};

class HolderSdk {
 public:
  // `transport` must outlive the SDK; `ra_key` is the registration authority's public key.
  HolderSdk(HolderTransport& transport, crypto::EcPublicKey ra_key);

  // The verified package, for the holder to see the identity and policy. Errc::crypto for a bad
  // signature, Errc::state if the keyring was already activated.
  ActivationPackage inspect(const std::string& keyring_id);
  // Errc::invalid_argument for a PIN that breaks the policy (before anything is sent),
  // Errc::crypto for a wrong code (the server counts it).
  TerminalKeyring activate(const std::string& keyring_id, ByteView activation_code, ByteView pin);

  std::vector<std::string> pending(const TerminalKeyring& k);
  RequestView show(const TerminalKeyring& k, const std::string& request_id);
  // Approves exactly what `shown` says (its description is hashed here). Errc::crypto for a wrong
  // PIN (the server has counted the try), Errc::state when locked.
  ApprovalResult approve(const TerminalKeyring& k, const RequestView& shown, ByteView pin);
  void reject(const TerminalKeyring& k, const std::string& request_id);

 private:
  HolderTransport& transport_;
  crypto::EcPublicKey ra_key_;
};

}  // namespace sesame::host::keyring
