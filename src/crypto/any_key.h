// A public or private key of any type sesame signs certificates and CMS with (EC or RSA), and the
// PEM/DER encodings that carry such keys in files: SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo
// (unencrypted; whoever writes the file sets its mode, e.g. 0600).
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "crypto/ec_key.h"
#include "crypto/rsa_key.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

// Key objects are cheap to copy (they share one immutable OpenSSL key), so these hold values.
using PublicKey = std::variant<EcPublicKey, RsaPublicKey>;
using PrivateKey = std::variant<EcPrivateKey, RsaPrivateKey>;

PublicKey public_key_of(const PrivateKey& key);

// SubjectPublicKeyInfo (DER, or PEM "PUBLIC KEY"). Error(Errc::parse) for malformed input,
// Error(Errc::crypto) for a key type or curve sesame does not support.
PublicKey public_key_from_spki_der(ByteView der);
Bytes public_key_to_spki_der(const PublicKey& key);
PublicKey public_key_from_pem(std::string_view pem);
std::string public_key_to_pem(const PublicKey& key);

// PKCS#8 PrivateKeyInfo (DER, or PEM "PRIVATE KEY"), unencrypted. The PEM text is a secret, so it
// travels in SecureBytes both ways.
PrivateKey private_key_from_pkcs8_der(ByteView der);
SecureBytes private_key_to_pkcs8_der(const PrivateKey& key);
PrivateKey private_key_from_pem(const SecureBytes& pem);
SecureBytes private_key_to_pem(const PrivateKey& key);

}  // namespace sesame::crypto
