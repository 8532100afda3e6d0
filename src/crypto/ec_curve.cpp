#include "crypto/ec_curve.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>

#include <algorithm>
#include <array>

#include "crypto/internal/ec.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

struct CurveInfo {
  Curve curve;
  int nid;
  std::size_t size;
  std::string_view oid;
  std::string_view name;
  std::string_view jwk;  // empty: none
  int standardized_id;   // ICAO 9303-11 table of standardized domain parameters
};

constexpr std::array<CurveInfo, 9> kCurves{{
    {Curve::p224, NID_secp224r1, 28, "1.3.132.0.33", "P-224", "", 10},
    {Curve::p256, NID_X9_62_prime256v1, 32, "1.2.840.10045.3.1.7", "P-256", "P-256", 12},
    {Curve::p384, NID_secp384r1, 48, "1.3.132.0.34", "P-384", "P-384", 15},
    {Curve::p521, NID_secp521r1, 66, "1.3.132.0.35", "P-521", "P-521", 18},
    {Curve::brainpool_p224r1, NID_brainpoolP224r1, 28, "1.3.36.3.3.2.8.1.1.5", "brainpoolP224r1", "", 11},
    {Curve::brainpool_p256r1, NID_brainpoolP256r1, 32, "1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", "", 13},
    {Curve::brainpool_p320r1, NID_brainpoolP320r1, 40, "1.3.36.3.3.2.8.1.1.9", "brainpoolP320r1", "", 14},
    {Curve::brainpool_p384r1, NID_brainpoolP384r1, 48, "1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1", "", 16},
    {Curve::brainpool_p512r1, NID_brainpoolP512r1, 64, "1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1", "", 17},
}};

const CurveInfo& info(Curve c) noexcept {
  for (const auto& i : kCurves)
    if (i.curve == c) return i;
  return kCurves[0];  // unreachable: every enumerator is in the table
}

// DER content octets of a dotted OID (X.690 8.19).
Bytes encode_oid(std::string_view dotted) {
  std::array<unsigned long, 16> arcs{};
  std::size_t n = 0;
  unsigned long v = 0;
  for (char ch : dotted) {
    if (ch == '.') {
      arcs[n++] = v;
      v = 0;
    } else {
      v = v * 10 + static_cast<unsigned long>(ch - '0');
    }
  }
  arcs[n++] = v;
  Bytes out;
  auto put = [&out](unsigned long x) {
    std::array<std::uint8_t, 10> tmp{};
    std::size_t k = 0;
    do {
      tmp[k++] = static_cast<std::uint8_t>(x & 0x7F);
      x >>= 7;
    } while (x);
    while (k--) out.push_back(static_cast<std::uint8_t>(tmp[k] | (k ? 0x80 : 0)));
  };
  put(arcs[0] * 40 + arcs[1]);
  for (std::size_t i = 2; i < n; ++i) put(arcs[i]);
  return out;
}

}  // namespace

std::size_t field_size(Curve c) noexcept { return info(c).size; }
std::size_t order_size(Curve c) noexcept { return info(c).size; }
std::string_view curve_oid(Curve c) noexcept { return info(c).oid; }
Bytes curve_oid_value(Curve c) { return encode_oid(info(c).oid); }
std::string_view curve_name(Curve c) noexcept { return info(c).name; }

std::optional<Curve> curve_from_oid(std::string_view dotted) noexcept {
  for (const auto& i : kCurves)
    if (i.oid == dotted) return i.curve;
  return std::nullopt;
}

std::optional<Curve> curve_from_oid_value(ByteView content) noexcept {
  try {
    for (const auto& i : kCurves) {
      const Bytes enc = encode_oid(i.oid);
      if (enc.size() == content.size() && std::equal(enc.begin(), enc.end(), content.begin()))
        return i.curve;
    }
  } catch (...) {
  }
  return std::nullopt;
}

std::optional<std::string_view> jwk_crv(Curve c) noexcept {
  const auto& i = info(c);
  if (i.jwk.empty()) return std::nullopt;
  return i.jwk;
}

std::optional<Curve> curve_from_jwk_crv(std::string_view crv) noexcept {
  for (const auto& i : kCurves)
    if (!i.jwk.empty() && i.jwk == crv) return i.curve;
  return std::nullopt;
}

std::optional<Curve> curve_from_standardized_id(int id) noexcept {
  for (const auto& i : kCurves)
    if (i.standardized_id == id) return i.curve;
  return std::nullopt;
}

namespace internal {

int curve_nid(Curve c) noexcept { return info(c).nid; }
const char* curve_group_name(Curve c) noexcept { return OBJ_nid2sn(info(c).nid); }

std::optional<Curve> curve_from_nid(int nid) noexcept {
  for (const auto& i : kCurves)
    if (i.nid == nid) return i.curve;
  return std::nullopt;
}

std::optional<Curve> curve_from_group_name(std::string_view name) noexcept {
  for (const auto& i : kCurves)
    if (name == OBJ_nid2sn(i.nid)) return i.curve;
  return std::nullopt;
}

const EC_GROUP* ec_group(Curve c) {
  struct GroupFree {
    void operator()(EC_GROUP* g) const noexcept { EC_GROUP_free(g); }
  };
  using GroupPtr = std::unique_ptr<EC_GROUP, GroupFree>;
  // Built once (thread-safe static initialisation), read-only afterwards.
  static const std::array<GroupPtr, kCurves.size()> groups = [] {
    std::array<GroupPtr, kCurves.size()> g;
    for (std::size_t i = 0; i < kCurves.size(); ++i)
      g[i].reset(EC_GROUP_new_by_curve_name_ex(nullptr, nullptr, kCurves[i].nid));
    return g;
  }();
  for (std::size_t i = 0; i < kCurves.size(); ++i)
    if (kCurves[i].curve == c) {
      if (!groups[i]) fail(Errc::crypto, "ec: curve not available in this OpenSSL");
      return groups[i].get();
    }
  fail(Errc::invalid_argument, "ec: unknown curve");
}

EcPointPtr decode_point(Curve c, ByteView sec1) {
  const std::size_t fs = field_size(c);
  const bool uncompressed = sec1.size() == 1 + 2 * fs && sec1[0] == 0x04;
  const bool compressed = sec1.size() == 1 + fs && (sec1[0] == 0x02 || sec1[0] == 0x03);
  // Hybrid (06/07) and the single-byte infinity encoding are refused here, before OpenSSL sees them.
  if (!uncompressed && !compressed) fail(Errc::parse, "ec: not a SEC1 point encoding for this curve");
  const EC_GROUP* g = ec_group(c);
  EcPointPtr p(EC_POINT_new(g));
  auto ctx = new_bn_ctx();
  if (!p) fail(Errc::crypto, "ec: out of memory");
  if (EC_POINT_oct2point(g, p.get(), sec1.data(), sec1.size(), ctx.get()) != 1)
    fail(Errc::crypto, "ec: point is not on the curve");
  if (EC_POINT_is_at_infinity(g, p.get()) || EC_POINT_is_on_curve(g, p.get(), ctx.get()) != 1)
    fail(Errc::crypto, "ec: point is not on the curve");
  return p;
}

Bytes encode_point(Curve c, const EC_POINT* p, point_conversion_form_t form) {
  const EC_GROUP* g = ec_group(c);
  auto ctx = new_bn_ctx();
  const std::size_t n = EC_POINT_point2oct(g, p, form, nullptr, 0, ctx.get());
  if (n == 0) fail(Errc::crypto, "ec: cannot encode point");
  Bytes out(n);
  if (EC_POINT_point2oct(g, p, form, out.data(), out.size(), ctx.get()) != n)
    fail(Errc::crypto, "ec: cannot encode point");
  return out;
}

void check_finite(Curve c, const EC_POINT* p) {
  if (EC_POINT_is_at_infinity(ec_group(c), p)) fail(Errc::crypto, "ec: result is the point at infinity");
}

}  // namespace internal
}  // namespace sesame::crypto
