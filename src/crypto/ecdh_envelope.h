// An ECDH-ES envelope (ephemeral-static ECDH + HKDF-SHA-256 + AES-256-GCM): a sender encrypts a
// short secret to a recipient's static EC public key so that only the holder of the private key
// can read it, and any change to the envelope is refused. The WSCA uses it to carry a user's PIN
// end to end to the applet (docs/WSCA.md, "PIN encryption"), so a TLS terminator sees nothing.
//
//   Z   = ECDH(ephemeral, recipient)                  (x-coordinate, field_size bytes)
//   K   = HKDF-SHA-256(salt, Z, info, 32)             (RFC 5869)
//   box = AES-256-GCM(K, iv, aad, plaintext)          (ciphertext || 16-byte tag)
#pragma once

#include "crypto/ec_key.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

struct EcdhEnvelope {
  Bytes ephemeral_point;  // 04||X||Y on the recipient's curve
  Bytes iv;               // 12 bytes
  Bytes box;              // ciphertext || tag
};

EcdhEnvelope ecdh_envelope_seal(const EcPublicKey& recipient, ByteView salt, ByteView info, ByteView aad,
                                ByteView plaintext);
// Throws Error(Errc::parse) for a malformed point, Error(Errc::crypto) for a point not on the
// curve or an envelope whose tag does not verify (anything altered, wrong key, wrong salt/info/aad).
SecureBytes ecdh_envelope_open(const EcPrivateKey& recipient, const EcdhEnvelope& envelope, ByteView salt,
                               ByteView info, ByteView aad);

}  // namespace sesame::crypto
