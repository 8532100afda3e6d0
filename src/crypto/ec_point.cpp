#include "crypto/ec_point.h"

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "crypto/internal/ec.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

using internal::EcPointPtr;

EcPointPtr new_point(const EC_GROUP* g) {
  EcPointPtr p(EC_POINT_new(g));
  if (!p) fail(Errc::crypto, "ec: out of memory");
  return p;
}

// k·P for a secret k. A single-point EC_POINT_mul uses OpenSSL's constant-time ladder (or the
// constant-time fixed-base code when P is the generator and passed as `n`).
EcPointPtr mul(Curve c, ByteView k, const EC_POINT* p) {
  if (k.empty()) fail(Errc::invalid_argument, "ec: empty scalar");
  const EC_GROUP* g = internal::ec_group(c);
  auto bn = internal::secret_bn(k);
  auto ctx = internal::new_bn_ctx();
  auto r = new_point(g);
  const int ok = p ? EC_POINT_mul(g, r.get(), nullptr, p, bn.get(), ctx.get())
                   : EC_POINT_mul(g, r.get(), bn.get(), nullptr, nullptr, ctx.get());
  if (ok != 1) fail(Errc::crypto, "ec: scalar multiplication failed");
  internal::check_finite(c, r.get());
  return r;
}

}  // namespace

EcPoint EcPoint::generator(Curve curve) {
  const EC_GROUP* g = internal::ec_group(curve);
  EcPointPtr p(EC_POINT_dup(EC_GROUP_get0_generator(g), g));
  if (!p) fail(Errc::crypto, "ec: out of memory");
  return EcPoint(std::make_shared<const Impl>(Impl{curve, std::move(p)}));
}

EcPoint EcPoint::from_encoded(Curve curve, ByteView sec1) {
  return EcPoint(std::make_shared<const Impl>(Impl{curve, internal::decode_point(curve, sec1)}));
}

Curve EcPoint::curve() const noexcept { return impl_->curve; }

Bytes EcPoint::to_uncompressed() const {
  return internal::encode_point(impl_->curve, impl_->point.get(), POINT_CONVERSION_UNCOMPRESSED);
}

Bytes EcPoint::to_compressed() const {
  return internal::encode_point(impl_->curve, impl_->point.get(), POINT_CONVERSION_COMPRESSED);
}

Bytes EcPoint::x() const {
  const Bytes u = to_uncompressed();
  const std::size_t fs = field_size(impl_->curve);
  return Bytes(u.begin() + 1, u.begin() + 1 + static_cast<std::ptrdiff_t>(fs));
}

Bytes EcPoint::y() const {
  const Bytes u = to_uncompressed();
  const std::size_t fs = field_size(impl_->curve);
  return Bytes(u.begin() + 1 + static_cast<std::ptrdiff_t>(fs), u.end());
}

EcPoint EcPoint::multiply(ByteView k) const {
  return EcPoint(std::make_shared<const Impl>(Impl{impl_->curve, mul(impl_->curve, k, impl_->point.get())}));
}

EcPoint EcPoint::add(const EcPoint& q) const {
  if (q.impl_->curve != impl_->curve) fail(Errc::invalid_argument, "ec: points on different curves");
  const EC_GROUP* g = internal::ec_group(impl_->curve);
  auto ctx = internal::new_bn_ctx();
  auto r = new_point(g);
  if (EC_POINT_add(g, r.get(), impl_->point.get(), q.impl_->point.get(), ctx.get()) != 1)
    fail(Errc::crypto, "ec: point addition failed");
  internal::check_finite(impl_->curve, r.get());
  return EcPoint(std::make_shared<const Impl>(Impl{impl_->curve, std::move(r)}));
}

bool operator==(const EcPoint& a, const EcPoint& b) {
  if (a.impl_->curve != b.impl_->curve) return false;
  auto ctx = internal::new_bn_ctx();
  return EC_POINT_cmp(internal::ec_group(a.impl_->curve), a.impl_->point.get(), b.impl_->point.get(),
                      ctx.get()) == 0;
}

EcPoint multiply_generator_add(ByteView s, const EcPoint& h) {
  const Curve c = h.curve();
  // s·G on its own (constant time in s), then the addition; a two-term EC_POINT_mul would use
  // the variable-time multi-scalar code on the secret nonce.
  auto sg = mul(c, s, nullptr);
  const EC_GROUP* g = internal::ec_group(c);
  auto ctx = internal::new_bn_ctx();
  auto r = new_point(g);
  if (EC_POINT_add(g, r.get(), sg.get(), h.impl_->point.get(), ctx.get()) != 1)
    fail(Errc::crypto, "ec: point addition failed");
  internal::check_finite(c, r.get());
  return EcPoint(std::make_shared<const EcPoint::Impl>(EcPoint::Impl{c, std::move(r)}));
}

EcKeyPairOnGenerator EcKeyPairOnGenerator::generate(const EcPoint& generator) {
  const Curve c = generator.curve();
  const EC_GROUP* g = internal::ec_group(c);
  // d uniform in [1, n-1]: BN_priv_rand_range gives [0, n-1]; retry the (negligible) zero.
  internal::BnPtr d(BN_secure_new());
  if (!d) fail(Errc::crypto, "ec: out of memory");
  do {
    if (BN_priv_rand_range_ex(d.get(), EC_GROUP_get0_order(g), 0, nullptr) != 1)
      fail(Errc::crypto, "ec: random scalar failed");
  } while (BN_is_zero(d.get()));
  return from_scalar(generator, internal::bn_to_secret(d.get(), order_size(c)));
}

EcKeyPairOnGenerator EcKeyPairOnGenerator::from_scalar(const EcPoint& generator, const SecureBytes& d) {
  const Curve c = generator.curve();
  auto bn = internal::secret_bn(d.view());
  if (BN_is_zero(bn.get()) || BN_cmp(bn.get(), EC_GROUP_get0_order(internal::ec_group(c))) >= 0)
    fail(Errc::crypto, "ec: private scalar out of range");
  SecureBytes fixed = internal::bn_to_secret(bn.get(), order_size(c));
  EcPoint q = generator.multiply(fixed.view());
  return EcKeyPairOnGenerator(generator, std::move(fixed), std::move(q));
}

EcPoint EcKeyPairOnGenerator::agree_point(const EcPoint& peer) const {
  if (peer.curve() != generator_.curve()) fail(Errc::invalid_argument, "ec: peer point on another curve");
  return peer.multiply(d_.view());
}

SecureBytes EcKeyPairOnGenerator::agree(const EcPoint& peer) const {
  Bytes x = agree_point(peer).x();
  SecureBytes out{ByteView(x)};
  secure_zero(x.data(), x.size());
  return out;
}

}  // namespace sesame::crypto
