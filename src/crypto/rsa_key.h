// RSA keys and the raw RSA primitives.
//
// Keys are decoded and validated once, on construction, then immutable, cheap to copy (copies share
// one OpenSSL key) and safe to use from several threads at once. Sizes: 1024..4096 bits in steps
// of 8, so EMV's odd sizes (1152, 1408, 1984) work.
#pragma once

#include <cstdint>
#include <memory>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

namespace internal {
struct PkeyAccess;
}

inline constexpr std::size_t kRsaMinBits = 1024;
inline constexpr std::size_t kRsaMaxBits = 4096;

class RsaPublicKey {
 public:
  // Big-endian modulus and public exponent (leading zeros allowed). e must be odd and >= 3.
  static RsaPublicKey from_components(ByteView n, ByteView e);
  // DER SubjectPublicKeyInfo with rsaEncryption.
  static RsaPublicKey from_spki_der(ByteView der);

  std::size_t bits() const noexcept;
  std::size_t modulus_size() const noexcept;  // bytes
  Bytes modulus() const;                      // modulus_size bytes
  Bytes public_exponent() const;              // minimal big-endian
  Bytes to_spki_der() const;

  // Raw RSA public operation x^e mod n, no padding (EMV recovers SDA/DDA/CDA and certificate
  // contents this way). Input must be modulus_size bytes and < n (Error(Errc::invalid_argument)).
  // Output is modulus_size bytes.
  Bytes raw_public(ByteView input) const;

  friend bool operator==(const RsaPublicKey& a, const RsaPublicKey& b);

  struct Impl;

 private:
  explicit RsaPublicKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
  friend struct internal::PkeyAccess;
};

// Private components, big-endian. The CRT components (p .. qinv) are either all present or all
// empty.
struct RsaPrivateComponents {
  Bytes n;
  Bytes e;
  SecureBytes d;
  SecureBytes p;
  SecureBytes q;
  SecureBytes dp;    // d mod (p-1)
  SecureBytes dq;    // d mod (q-1)
  SecureBytes qinv;  // q^-1 mod p
};

class RsaPrivateKey {
 public:
  // bits: kRsaMinBits..kRsaMaxBits, a multiple of 8. EMV also allows public exponent 3.
  static RsaPrivateKey generate(std::size_t bits, std::uint32_t public_exponent = 65537);
  static RsaPrivateKey from_components(const RsaPrivateComponents& c);
  // DER PKCS#8 PrivateKeyInfo with rsaEncryption. Checks the key is consistent (for a key with its
  // factors OpenSSL's pairwise check tests p and q for primality: milliseconds).
  static RsaPrivateKey from_pkcs8_der(ByteView der);
  // The same for a key that this program checked with from_pkcs8_der when it received it and has
  // kept since in integrity-protected storage (a sealed card record): decoded without the checks,
  // so a card that signs with it pays for the decoding only.
  static RsaPrivateKey from_checked_pkcs8_der(ByteView der);

  const RsaPublicKey& public_key() const noexcept;
  std::size_t bits() const noexcept;
  std::size_t modulus_size() const noexcept;
  SecureBytes to_pkcs8_der() const;
  // The explicit way out (card personalisation needs the CRT components).
  RsaPrivateComponents reveal_components() const;

  // Raw RSA private operation x^d mod n, no padding (EMV SDA/DDA/CDA signatures are formatted by
  // the caller, then put through this). Input must be modulus_size bytes and < n
  // (Error(Errc::invalid_argument)). Output is modulus_size bytes. Blinded.
  Bytes raw_private(ByteView input) const;

  struct Impl;

 private:
  explicit RsaPrivateKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
  friend struct internal::PkeyAccess;
};

}  // namespace sesame::crypto
