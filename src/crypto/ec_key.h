// Elliptic-curve keys (ECDSA/ECDH) on the named curves of ec_curve.h, and ECDH.
//
// Keys are decoded and validated once, on construction: a point not on the curve, the point at
// infinity, or a scalar outside [1, n-1] is refused with Error(Errc::crypto); malformed encodings
// with Error(Errc::parse). A key object is immutable, cheap to copy (copies share one OpenSSL key)
// and safe to use from several threads at once.
#pragma once

#include <memory>

#include "crypto/ec_curve.h"
#include "crypto/ec_point.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

namespace internal {
struct PkeyAccess;
}

class EcPublicKey {
 public:
  // SEC1 point: 04||X||Y (uncompressed) or 02/03||X (compressed).
  static EcPublicKey from_point(Curve curve, ByteView sec1_point);
  static EcPublicKey from_point(const EcPoint& point);
  // DER SubjectPublicKeyInfo with id-ecPublicKey and a namedCurve parameter.
  static EcPublicKey from_spki_der(ByteView der);
  // JWK "x" and "y" (already base64url-decoded, each exactly field_size bytes).
  static EcPublicKey from_jwk_coordinates(Curve curve, ByteView x, ByteView y);

  Curve curve() const noexcept;
  Bytes to_uncompressed_point() const;  // 04||X||Y
  Bytes to_compressed_point() const;    // 02/03||X
  Bytes to_spki_der() const;            // namedCurve, uncompressed point
  Bytes jwk_x() const;                  // fixed width, field_size bytes
  Bytes jwk_y() const;
  EcPoint point() const;

  friend bool operator==(const EcPublicKey& a, const EcPublicKey& b);

  struct Impl;

 private:
  explicit EcPublicKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
  friend struct internal::PkeyAccess;
};

class EcPrivateKey {
 public:
  static EcPrivateKey generate(Curve curve);
  // Big-endian scalar d, 1 <= d < n (leading zeros allowed).
  static EcPrivateKey from_scalar(Curve curve, const SecureBytes& scalar);
  // DER PKCS#8 PrivateKeyInfo holding an RFC 5915 ECPrivateKey on a named curve.
  static EcPrivateKey from_pkcs8_der(ByteView der);

  Curve curve() const noexcept;
  const EcPublicKey& public_key() const noexcept;
  SecureBytes to_pkcs8_der() const;
  // The explicit way out for the private scalar: big-endian, order_size bytes.
  SecureBytes reveal_scalar() const;

  struct Impl;

 private:
  explicit EcPrivateKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
  friend struct internal::PkeyAccess;
};

// ECDH (SEC1 / RFC 5903): the x-coordinate of d·Q, field_size bytes. Both keys must be on the
// same curve (Error(Errc::invalid_argument) otherwise).
SecureBytes ecdh(const EcPrivateKey& own, const EcPublicKey& peer);

}  // namespace sesame::crypto
