#include "crypto/ec_key.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <string>

#include "crypto/internal/ec.h"
#include "crypto/internal/pkey.h"
#include "util/error.h"

namespace sesame::crypto {

struct EcPublicKey::Impl {
  Curve curve;
  internal::EvpPkeyPtr pkey;
  Bytes uncompressed;  // 04||X||Y, kept for the encoders
};

struct EcPrivateKey::Impl {
  Curve curve;
  internal::EvpPkeyPtr pkey;
  EcPublicKey pub;
};

namespace {

using internal::EvpPkeyCtxPtr;
using internal::EvpPkeyPtr;

struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};

// The one place an EC EVP_PKEY is built: from a validated uncompressed point, plus the private
// scalar for a key pair.
EvpPkeyPtr build_pkey(Curve c, ByteView uncompressed, const BIGNUM* priv) {
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, internal::curve_group_name(c), 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, uncompressed.data(),
                                        uncompressed.size()) ||
      (priv && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv)))
    fail(Errc::crypto, "ec: cannot build key parameters");
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    fail(Errc::crypto, "ec: cannot build key");
  return EvpPkeyPtr(raw);
}

EcPublicKey make_public(Curve c, const EC_POINT* p) {
  Bytes u = internal::encode_point(c, p, POINT_CONVERSION_UNCOMPRESSED);
  auto pkey = build_pkey(c, u, nullptr);
  return internal::PkeyAccess::make<EcPublicKey>(
      std::make_shared<const EcPublicKey::Impl>(EcPublicKey::Impl{c, std::move(pkey), std::move(u)}));
}

EcPublicKey make_public(Curve c, ByteView sec1) {
  auto p = internal::decode_point(c, sec1);
  return make_public(c, p.get());
}

// Every private key goes through here: range check, public point recomputed from d (a stored
// public key is never trusted), one EVP_PKEY holding both.
EcPrivateKey make_private(Curve c, const BIGNUM* d) {
  const EC_GROUP* g = internal::ec_group(c);
  if (BN_is_zero(d) || BN_is_negative(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0)
    fail(Errc::crypto, "ec: private scalar out of range");
  internal::EcPointPtr q(EC_POINT_new(g));
  auto ctx = internal::new_bn_ctx();
  if (!q || EC_POINT_mul(g, q.get(), d, nullptr, nullptr, ctx.get()) != 1)
    fail(Errc::crypto, "ec: cannot compute public key");
  EcPublicKey pub = make_public(c, q.get());
  auto pkey = build_pkey(c, internal::PkeyAccess::impl(pub)->uncompressed, d);
  return internal::PkeyAccess::make<EcPrivateKey>(
      std::make_shared<const EcPrivateKey::Impl>(EcPrivateKey::Impl{c, std::move(pkey), std::move(pub)}));
}

Curve curve_of(const EVP_PKEY* pkey) {
  if (!EVP_PKEY_is_a(pkey, "EC")) fail(Errc::crypto, "ec: not an EC key");
  char name[80] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1)
    fail(Errc::crypto, "ec: key is not on a named curve");
  auto c = internal::curve_from_group_name(std::string_view(name, len));
  if (!c) fail(Errc::crypto, std::string("ec: unsupported curve ") + name);
  return *c;
}

}  // namespace

namespace internal {

EVP_PKEY* evp_pkey_of(const EcPublicKey& key) noexcept { return PkeyAccess::impl(key)->pkey.get(); }
EVP_PKEY* evp_pkey_of(const EcPrivateKey& key) noexcept { return PkeyAccess::impl(key)->pkey.get(); }

EcPublicKey ec_public_key_from(EvpPkeyPtr pkey) {
  if (!pkey) fail(Errc::invalid_argument, "ec: null key");
  const Curve c = curve_of(pkey.get());
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0, &len) != 1)
    fail(Errc::crypto, "ec: key has no public point");
  Bytes enc(len);
  if (EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, enc.data(), enc.size(),
                                      &len) != 1)
    fail(Errc::crypto, "ec: key has no public point");
  enc.resize(len);
  return make_public(c, enc);
}

EcPrivateKey ec_private_key_from(EvpPkeyPtr pkey) {
  if (!pkey) fail(Errc::invalid_argument, "ec: null key");
  const Curve c = curve_of(pkey.get());
  BIGNUM* d = nullptr;
  if (EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1)
    fail(Errc::crypto, "ec: key has no private scalar");
  BnPtr owned(d);
  BN_set_flags(owned.get(), BN_FLG_CONSTTIME);
  return make_private(c, owned.get());
}

}  // namespace internal

// --- EcPublicKey ---

EcPublicKey EcPublicKey::from_point(Curve curve, ByteView sec1_point) { return make_public(curve, sec1_point); }

EcPublicKey EcPublicKey::from_point(const EcPoint& point) { return make_public(point.curve(), point.to_uncompressed()); }

EcPublicKey EcPublicKey::from_spki_der(ByteView der) {
  return internal::ec_public_key_from(internal::decode_spki(der));
}

EcPublicKey EcPublicKey::from_jwk_coordinates(Curve curve, ByteView x, ByteView y) {
  const std::size_t fs = field_size(curve);
  if (x.size() != fs || y.size() != fs) fail(Errc::parse, "ec: JWK coordinate of wrong length");
  Bytes u{0x04};
  append(u, x);
  append(u, y);
  return make_public(curve, u);
}

Curve EcPublicKey::curve() const noexcept { return impl_->curve; }
Bytes EcPublicKey::to_uncompressed_point() const { return impl_->uncompressed; }
Bytes EcPublicKey::to_compressed_point() const { return point().to_compressed(); }

Bytes EcPublicKey::to_spki_der() const { return internal::encode_spki(impl_->pkey.get()); }

Bytes EcPublicKey::jwk_x() const {
  const auto fs = static_cast<std::ptrdiff_t>(field_size(impl_->curve));
  return Bytes(impl_->uncompressed.begin() + 1, impl_->uncompressed.begin() + 1 + fs);
}

Bytes EcPublicKey::jwk_y() const {
  const auto fs = static_cast<std::ptrdiff_t>(field_size(impl_->curve));
  return Bytes(impl_->uncompressed.begin() + 1 + fs, impl_->uncompressed.end());
}

EcPoint EcPublicKey::point() const { return EcPoint::from_encoded(impl_->curve, impl_->uncompressed); }

bool operator==(const EcPublicKey& a, const EcPublicKey& b) {
  return a.impl_->curve == b.impl_->curve && a.impl_->uncompressed == b.impl_->uncompressed;
}

// --- EcPrivateKey ---

EcPrivateKey EcPrivateKey::generate(Curve curve) {
  const EC_GROUP* g = internal::ec_group(curve);
  internal::BnPtr d(BN_secure_new());
  if (!d) fail(Errc::crypto, "ec: out of memory");
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  do {
    if (BN_priv_rand_range_ex(d.get(), EC_GROUP_get0_order(g), 0, nullptr) != 1)
      fail(Errc::crypto, "ec: random scalar failed");
  } while (BN_is_zero(d.get()));
  return make_private(curve, d.get());
}

EcPrivateKey EcPrivateKey::from_scalar(Curve curve, const SecureBytes& scalar) {
  if (scalar.empty() || scalar.size() > order_size(curve) + 8)
    fail(Errc::crypto, "ec: private scalar out of range");
  auto d = internal::secret_bn(scalar.view());
  return make_private(curve, d.get());
}

EcPrivateKey EcPrivateKey::from_pkcs8_der(ByteView der) {
  return internal::ec_private_key_from(internal::decode_pkcs8(der));
}

Curve EcPrivateKey::curve() const noexcept { return impl_->curve; }
const EcPublicKey& EcPrivateKey::public_key() const noexcept { return impl_->pub; }

SecureBytes EcPrivateKey::to_pkcs8_der() const { return internal::encode_pkcs8(impl_->pkey.get()); }

SecureBytes EcPrivateKey::reveal_scalar() const {
  BIGNUM* d = nullptr;
  if (EVP_PKEY_get_bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1)
    fail(Errc::crypto, "ec: cannot read private scalar");
  internal::BnPtr owned(d);
  return internal::bn_to_secret(owned.get(), order_size(impl_->curve));
}

// --- ECDH ---

SecureBytes ecdh(const EcPrivateKey& own, const EcPublicKey& peer) {
  if (own.curve() != peer.curve()) fail(Errc::invalid_argument, "ecdh: keys on different curves");
  auto ctx = internal::new_pkey_ctx(internal::evp_pkey_of(own));
  // The peer was validated when its key object was built; no need for OpenSSL to do it again.
  if (EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer_ex(ctx.get(), internal::evp_pkey_of(peer), 0) != 1)
    fail(Errc::crypto, "ecdh: cannot set up key agreement");
  std::size_t len = field_size(own.curve());
  SecureBytes out(len);
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1 || len != out.size())
    fail(Errc::crypto, "ecdh: key agreement failed");
  return out;
}

}  // namespace sesame::crypto
