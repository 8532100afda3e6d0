// Internal to src/crypto: OpenSSL-level helpers shared by ec_curve.cpp, ec_point.cpp, ec_key.cpp
// and ecdsa.cpp.
#pragma once

#include <openssl/ec.h>

#include <memory>
#include <optional>
#include <string_view>

#include "crypto/ec_curve.h"
#include "crypto/ec_point.h"
#include "crypto/internal/bn.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto::internal {

struct EcPointFree {
  void operator()(EC_POINT* p) const noexcept { EC_POINT_clear_free(p); }
};
using EcPointPtr = std::unique_ptr<EC_POINT, EcPointFree>;

int curve_nid(Curve c) noexcept;
// OpenSSL's group name for OSSL_PKEY_PARAM_GROUP_NAME ("prime256v1", "brainpoolP256r1", ...).
const char* curve_group_name(Curve c) noexcept;
std::optional<Curve> curve_from_nid(int nid) noexcept;
std::optional<Curve> curve_from_group_name(std::string_view name) noexcept;

// One EC_GROUP per curve, built once and shared read-only by every thread.
const EC_GROUP* ec_group(Curve c);

// SEC1 decoding with validation: refuses bad encodings (Errc::parse), the point at infinity and
// points not on the curve (Errc::crypto).
EcPointPtr decode_point(Curve c, ByteView sec1);
Bytes encode_point(Curve c, const EC_POINT* p, point_conversion_form_t form);
// Refuses infinity (Errc::crypto); used after every arithmetic result.
void check_finite(Curve c, const EC_POINT* p);

}  // namespace sesame::crypto::internal

namespace sesame::crypto {

struct EcPoint::Impl {
  Curve curve;
  internal::EcPointPtr point;
};

}  // namespace sesame::crypto
