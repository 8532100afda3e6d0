// The named elliptic curves sesame supports (NIST P-curves and Brainpool r1 curves, all prime
// order, cofactor 1), with their sizes and identifiers.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "util/bytes.h"

namespace sesame::crypto {

enum class Curve {
  p224,
  p256,
  p384,
  p521,
  brainpool_p224r1,
  brainpool_p256r1,
  brainpool_p320r1,
  brainpool_p384r1,
  brainpool_p512r1,
};

// Size in bytes of a field element (coordinate, ECDH secret, half of a raw ECDSA signature).
// P-521 gives 66.
std::size_t field_size(Curve c) noexcept;
// Size in bytes of the group order n (private scalars). Equals field_size for every Curve here.
std::size_t order_size(Curve c) noexcept;

// "1.2.840.10045.3.1.7" etc.
std::string_view curve_oid(Curve c) noexcept;
// The OID's DER content octets (no tag, no length), as found in AlgorithmIdentifier parameters.
Bytes curve_oid_value(Curve c);
std::optional<Curve> curve_from_oid(std::string_view dotted) noexcept;
std::optional<Curve> curve_from_oid_value(ByteView content_octets) noexcept;

// Names as in specs: "P-256", "brainpoolP256r1".
std::string_view curve_name(Curve c) noexcept;
// RFC 7518 "crv" value; only P-256/P-384/P-521 have one (nullopt otherwise).
std::optional<std::string_view> jwk_crv(Curve c) noexcept;
std::optional<Curve> curve_from_jwk_crv(std::string_view crv) noexcept;

// ICAO 9303-11 / BSI TR-03110 standardized domain parameter IDs (8..18) for PACE and CA.
// IDs for curves sesame does not support (192-bit, 0..7 MODP groups) give nullopt.
std::optional<Curve> curve_from_standardized_id(int id) noexcept;

}  // namespace sesame::crypto
