// Point arithmetic on a named curve, for protocols that need more than ECDSA/ECDH with the
// standard generator: PACE generic mapping (ICAO 9303-11 §4.4.3.3.1) computes H = d·Q and a new
// generator G' = s·G + H, then runs ECDH with ephemeral keys over G'.
//
// An EcPoint is never the point at infinity: decoding refuses it and so does any operation whose
// result would be it (Error(Errc::crypto)). Points are immutable and safe to share across threads.
// Scalars are big-endian byte strings; they are treated as secrets (constant-time multiplication).
#pragma once

#include <memory>

#include "crypto/ec_curve.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

class EcPoint {
 public:
  static EcPoint generator(Curve curve);
  // SEC1 04||X||Y or 02/03||X; refuses points not on the curve (Errc::crypto) and bad encodings.
  static EcPoint from_encoded(Curve curve, ByteView sec1_point);

  Curve curve() const noexcept;
  Bytes to_uncompressed() const;  // 04||X||Y
  Bytes to_compressed() const;    // 02/03||X
  Bytes x() const;                // field_size bytes
  Bytes y() const;

  // k·P. k is any non-empty big-endian integer (reduced mod n); k·P = infinity is refused.
  EcPoint multiply(ByteView k) const;
  // P + Q on the same curve.
  EcPoint add(const EcPoint& q) const;

  friend bool operator==(const EcPoint& a, const EcPoint& b);

  struct Impl;

 private:
  explicit EcPoint(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
  friend class EcKeyPairOnGenerator;
  friend EcPoint multiply_generator_add(ByteView s, const EcPoint& h);
};

// s·G + H with G the curve's standard generator: the PACE generic mapping G' = s·G + H.
EcPoint multiply_generator_add(ByteView s, const EcPoint& h);

// A key pair d, Q = d·G relative to an arbitrary generator G of the curve (PACE ephemeral keys over
// the mapped generator G', or the mapping keys over the standard G). Immutable.
class EcKeyPairOnGenerator {
 public:
  // d uniform in [1, n-1].
  static EcKeyPairOnGenerator generate(const EcPoint& generator);
  // d given (tests, or a caller-held key); 1 <= d < n.
  static EcKeyPairOnGenerator from_scalar(const EcPoint& generator, const SecureBytes& d);

  const EcPoint& generator() const noexcept { return generator_; }
  const EcPoint& public_point() const noexcept { return public_; }
  // d·P: the full shared point (PACE generic mapping's H).
  EcPoint agree_point(const EcPoint& peer) const;
  // x(d·P), field_size bytes: the ECDH shared secret.
  SecureBytes agree(const EcPoint& peer) const;
  // The explicit way out for d: big-endian, order_size bytes.
  SecureBytes reveal_scalar() const { return d_; }

 private:
  EcKeyPairOnGenerator(EcPoint g, SecureBytes d, EcPoint q)
      : generator_(std::move(g)), d_(std::move(d)), public_(std::move(q)) {}
  EcPoint generator_;
  SecureBytes d_;
  EcPoint public_;
};

}  // namespace sesame::crypto
