#include "crypto/ecdh_envelope.h"

#include "crypto/aes_gcm.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

SecureBytes envelope_key(const EcPrivateKey& own, const EcPublicKey& peer, ByteView salt, ByteView info) {
  const SecureBytes z = ecdh(own, peer);
  return hkdf(HashAlg::sha256, salt, z.view(), info, 32);
}

}  // namespace

EcdhEnvelope ecdh_envelope_seal(const EcPublicKey& recipient, ByteView salt, ByteView info, ByteView aad,
                                ByteView plaintext) {
  const EcPrivateKey eph = EcPrivateKey::generate(recipient.curve());
  const SecureBytes key = envelope_key(eph, recipient, salt, info);
  EcdhEnvelope out;
  out.ephemeral_point = eph.public_key().to_uncompressed_point();
  out.iv = random_bytes(kGcmIvSize);
  out.box = aes_gcm_encrypt(key.view(), out.iv, aad, plaintext);
  return out;
}

SecureBytes ecdh_envelope_open(const EcPrivateKey& recipient, const EcdhEnvelope& envelope, ByteView salt,
                               ByteView info, ByteView aad) {
  if (envelope.iv.size() != kGcmIvSize) fail(Errc::parse, "ECDH envelope: IV must be 12 bytes");
  if (envelope.ephemeral_point.empty() || envelope.ephemeral_point[0] != 0x04)
    fail(Errc::parse, "ECDH envelope: ephemeral key must be an uncompressed point");
  const EcPublicKey eph = EcPublicKey::from_point(recipient.curve(), envelope.ephemeral_point);
  const SecureBytes key = envelope_key(recipient, eph, salt, info);
  return aes_gcm_decrypt(key.view(), envelope.iv, aad, envelope.box);
}

}  // namespace sesame::crypto
