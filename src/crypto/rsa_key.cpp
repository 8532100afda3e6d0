#include "crypto/rsa_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <atomic>
#include <climits>

#include "crypto/internal/bn.h"
#include "crypto/internal/pkey.h"
#include "util/error.h"

namespace sesame::crypto {

// The public operation runs on BIGNUMs with a Montgomery context kept with the key; the EVP_PKEY
// (for the codecs and the EVP signature code) is built on first use. EMV kernels recover a new
// issuer and ICC key on every transaction and use each once or twice: building an EVP_PKEY and an
// operation context for each cost more than the x^e mod n itself.
struct RsaPublicKey::Impl {
  Impl(Bytes n_in, Bytes e_in, std::size_t bits_in, internal::BnPtr bn_n_in, internal::BnPtr bn_e_in)
      : n(std::move(n_in)), e(std::move(e_in)), bits(bits_in), bn_n(std::move(bn_n_in)), bn_e(std::move(bn_e_in)) {}
  ~Impl() {
    EVP_PKEY_free(pkey_.load());
    BN_MONT_CTX_free(mont_.load());
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Bytes n;  // modulus_size bytes, first byte non-zero
  Bytes e;  // minimal
  std::size_t bits;
  internal::BnPtr bn_n, bn_e;

  EVP_PKEY* pkey() const;     // built once; throws Error(Errc::crypto) if it cannot be
  BN_MONT_CTX* mont() const;  // likewise (only read once built)

 private:
  // Set once by whichever thread builds it first (compare-exchange; a loser frees its copy).
  mutable std::atomic<EVP_PKEY*> pkey_{nullptr};
  mutable std::atomic<BN_MONT_CTX*> mont_{nullptr};
};

struct RsaPrivateKey::Impl {
  internal::EvpPkeyPtr pkey;
  RsaPublicKey pub;
};

namespace {

using internal::BnCtxPtr;
using internal::BnPtr;
using internal::EvpPkeyCtxPtr;
using internal::EvpPkeyPtr;

struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};

// Public keys down to 1017 bits (128-byte modulus) are accepted: certificates and EMV tables carry
// moduli whose top bits are not all set. Keys sesame generates are whole multiples of 8 bits.
constexpr std::size_t kMinModulusBytes = kRsaMinBits / 8;
constexpr std::size_t kMaxModulusBytes = kRsaMaxBits / 8;

Bytes strip_zeros(ByteView b) {
  auto it = std::find_if(b.begin(), b.end(), [](std::uint8_t x) { return x != 0; });
  return Bytes(it, b.end());
}

EvpPkeyPtr build_pkey(OSSL_PARAM_BLD* bld, bool keypair) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, keypair ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    fail(Errc::crypto, "rsa: cannot build key");
  return EvpPkeyPtr(raw);
}

void push_bn(OSSL_PARAM_BLD* bld, const char* name, const BIGNUM* bn) {
  if (!OSSL_PARAM_BLD_push_BN(bld, name, bn)) fail(Errc::crypto, "rsa: cannot build key parameters");
}

RsaPublicKey make_public(ByteView n_in, ByteView e_in) {
  Bytes n = strip_zeros(n_in);
  Bytes e = strip_zeros(e_in);
  if (n.size() < kMinModulusBytes || n.size() > kMaxModulusBytes)
    fail(Errc::crypto, "rsa: modulus size out of range");
  if ((n.back() & 1) == 0) fail(Errc::crypto, "rsa: even modulus");
  // e odd, >= 3, and (as OpenSSL requires for large moduli) at most 64 bits.
  if (e.empty() || e.size() > 8 || (e.back() & 1) == 0 || (e.size() == 1 && e[0] < 3))
    fail(Errc::crypto, "rsa: bad public exponent");
  auto bn_n = internal::public_bn(n);
  auto bn_e = internal::public_bn(e);
  const auto bits = static_cast<std::size_t>(BN_num_bits(bn_n.get()));
  return internal::PkeyAccess::make<RsaPublicKey>(
      std::make_shared<const RsaPublicKey::Impl>(std::move(n), std::move(e), bits, std::move(bn_n), std::move(bn_e)));
}

BnPtr get_bn(const EVP_PKEY* pkey, const char* name, bool required) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
    if (required) fail(Errc::crypto, "rsa: key lacks a component");
    return nullptr;
  }
  BnPtr owned(bn);
  BN_set_flags(owned.get(), BN_FLG_CONSTTIME);
  return owned;
}

Bytes bn_bytes(const BIGNUM* bn) { return internal::bn_to_bytes(bn, static_cast<std::size_t>(BN_num_bytes(bn))); }

// In range 0 <= x < n, with x exactly modulus_size bytes (fixed-width comparison = numeric).
void check_raw_input(const Bytes& n, ByteView x) {
  if (x.size() != n.size()) fail(Errc::invalid_argument, "rsa: raw input must be modulus-sized");
  if (!std::lexicographical_compare(x.begin(), x.end(), n.begin(), n.end()))
    fail(Errc::invalid_argument, "rsa: raw input not below the modulus");
}

// x^e mod n (public values only, so no constant-time or blinding needed).
Bytes public_op(const RsaPublicKey::Impl& k, ByteView x) {
  check_raw_input(k.n, x);
  BnCtxPtr ctx(BN_CTX_new());
  BnPtr in(BN_bin2bn(x.data(), static_cast<int>(x.size()), nullptr));
  BnPtr out(BN_new()), square(BN_new());
  if (!ctx || !in || !out || !square) fail(Errc::crypto, "rsa: out of memory");
  // e = 3 (EMV's usual exponent): two modular products are cheaper than setting up Montgomery
  // arithmetic for a key that is used once.
  const bool ok = BN_is_word(k.bn_e.get(), 3)
                      ? BN_mod_sqr(square.get(), in.get(), k.bn_n.get(), ctx.get()) == 1 &&
                            BN_mod_mul(out.get(), square.get(), in.get(), k.bn_n.get(), ctx.get()) == 1
                      : BN_mod_exp_mont(out.get(), in.get(), k.bn_e.get(), k.bn_n.get(), ctx.get(), k.mont()) == 1;
  if (!ok) fail(Errc::crypto, "rsa: raw operation failed");
  return internal::bn_to_bytes(out.get(), k.n.size());
}

Bytes raw_op(EVP_PKEY* pkey, const Bytes& n, ByteView x, bool private_op) {
  check_raw_input(n, x);
  auto ctx = internal::new_pkey_ctx(pkey);
  const int init = private_op ? EVP_PKEY_decrypt_init(ctx.get()) : EVP_PKEY_encrypt_init(ctx.get());
  if (init != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1)
    fail(Errc::crypto, "rsa: cannot set up raw operation");
  Bytes out(n.size());
  std::size_t len = out.size();
  const int ok = private_op ? EVP_PKEY_decrypt(ctx.get(), out.data(), &len, x.data(), x.size())
                            : EVP_PKEY_encrypt(ctx.get(), out.data(), &len, x.data(), x.size());
  if (ok != 1 || len != out.size()) fail(Errc::crypto, "rsa: raw operation failed");
  return out;
}

}  // namespace

EVP_PKEY* RsaPublicKey::Impl::pkey() const {
  if (EVP_PKEY* p = pkey_.load(std::memory_order_acquire)) return p;
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld) fail(Errc::crypto, "rsa: out of memory");
  push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  EvpPkeyPtr built = build_pkey(bld.get(), false);
  EVP_PKEY* expected = nullptr;
  if (pkey_.compare_exchange_strong(expected, built.get(), std::memory_order_acq_rel)) return built.release();
  return expected;  // another thread built it first; ours is freed
}

BN_MONT_CTX* RsaPublicKey::Impl::mont() const {
  if (BN_MONT_CTX* m = mont_.load(std::memory_order_acquire)) return m;
  std::unique_ptr<BN_MONT_CTX, decltype(&BN_MONT_CTX_free)> built(BN_MONT_CTX_new(), &BN_MONT_CTX_free);
  BnCtxPtr ctx(BN_CTX_new());
  if (!built || !ctx || BN_MONT_CTX_set(built.get(), bn_n.get(), ctx.get()) != 1) fail(Errc::crypto, "rsa: out of memory");
  BN_MONT_CTX* expected = nullptr;
  if (mont_.compare_exchange_strong(expected, built.get(), std::memory_order_acq_rel)) return built.release();
  return expected;
}

namespace internal {

EVP_PKEY* evp_pkey_of(const RsaPublicKey& key) noexcept {
  try {
    return PkeyAccess::impl(key)->pkey();
  } catch (...) {
    return nullptr;  // out of memory: the caller's EVP call then fails with its own error
  }
}
EVP_PKEY* evp_pkey_of(const RsaPrivateKey& key) noexcept { return PkeyAccess::impl(key)->pkey.get(); }

RsaPublicKey rsa_public_key_from(EvpPkeyPtr pkey) {
  if (!pkey) fail(Errc::invalid_argument, "rsa: null key");
  // Plain rsaEncryption only; an id-RSASSA-PSS key is "RSA-PSS" and refused here.
  if (!EVP_PKEY_is_a(pkey.get(), "RSA")) fail(Errc::crypto, "rsa: not an RSA key");
  auto n = get_bn(pkey.get(), OSSL_PKEY_PARAM_RSA_N, true);
  auto e = get_bn(pkey.get(), OSSL_PKEY_PARAM_RSA_E, true);
  return make_public(bn_bytes(n.get()), bn_bytes(e.get()));
}

RsaPrivateKey rsa_private_key_from(EvpPkeyPtr pkey, bool check) {
  if (!pkey) fail(Errc::invalid_argument, "rsa: null key");
  if (!EVP_PKEY_is_a(pkey.get(), "RSA")) fail(Errc::crypto, "rsa: not an RSA key");
  get_bn(pkey.get(), OSSL_PKEY_PARAM_RSA_D, true);
  auto n = get_bn(pkey.get(), OSSL_PKEY_PARAM_RSA_N, true);
  auto e = get_bn(pkey.get(), OSSL_PKEY_PARAM_RSA_E, true);
  RsaPublicKey pub = make_public(bn_bytes(n.get()), bn_bytes(e.get()));
  // With the factors present OpenSSL checks p·q = n, d·e = 1 and the CRT values; without them,
  // x^(de) = x on a fixed x catches a d that does not belong to (n, e).
  if (!check)
    return PkeyAccess::make<RsaPrivateKey>(
        std::make_shared<const RsaPrivateKey::Impl>(RsaPrivateKey::Impl{std::move(pkey), std::move(pub)}));
  if (get_bn(pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, false)) {
    auto ctx = new_pkey_ctx(pkey.get());
    if (EVP_PKEY_pairwise_check(ctx.get()) != 1) fail(Errc::crypto, "rsa: inconsistent private key");
  }
  const Bytes& mod = PkeyAccess::impl(pub)->n;
  Bytes probe(mod.size(), 0);
  probe[1] = 0x5A;
  probe.back() = 0x02;
  const Bytes signed_probe = raw_op(pkey.get(), mod, probe, true);
  if (public_op(*PkeyAccess::impl(pub), signed_probe) != probe)
    fail(Errc::crypto, "rsa: inconsistent private key");
  return PkeyAccess::make<RsaPrivateKey>(
      std::make_shared<const RsaPrivateKey::Impl>(RsaPrivateKey::Impl{std::move(pkey), std::move(pub)}));
}

}  // namespace internal

// --- RsaPublicKey ---

RsaPublicKey RsaPublicKey::from_components(ByteView n, ByteView e) { return make_public(n, e); }

RsaPublicKey RsaPublicKey::from_spki_der(ByteView der) {
  return internal::rsa_public_key_from(internal::decode_spki(der));
}

std::size_t RsaPublicKey::bits() const noexcept { return impl_->bits; }
std::size_t RsaPublicKey::modulus_size() const noexcept { return impl_->n.size(); }
Bytes RsaPublicKey::modulus() const { return impl_->n; }
Bytes RsaPublicKey::public_exponent() const { return impl_->e; }
Bytes RsaPublicKey::to_spki_der() const { return internal::encode_spki(impl_->pkey()); }

Bytes RsaPublicKey::raw_public(ByteView input) const {
  return public_op(*impl_, input);
}

bool operator==(const RsaPublicKey& a, const RsaPublicKey& b) {
  return a.impl_->n == b.impl_->n && a.impl_->e == b.impl_->e;
}

// --- RsaPrivateKey ---

RsaPrivateKey RsaPrivateKey::generate(std::size_t bits, std::uint32_t public_exponent) {
  if (bits < kRsaMinBits || bits > kRsaMaxBits || bits % 8 != 0)
    fail(Errc::invalid_argument, "rsa: key size must be 1024..4096 bits in steps of 8");
  if (public_exponent < 3 || public_exponent % 2 == 0) fail(Errc::invalid_argument, "rsa: bad public exponent");
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  BnPtr e(BN_new());
  if (!ctx || !e || !BN_set_word(e.get(), public_exponent)) fail(Errc::crypto, "rsa: out of memory");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) != 1 ||
      EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1)
    fail(Errc::crypto, "rsa: key generation failed");
  auto key = internal::rsa_private_key_from(EvpPkeyPtr(raw));
  if (key.bits() != bits) fail(Errc::internal, "rsa: generated modulus has the wrong size");
  return key;
}

namespace {

RsaPrivateKey private_from_components(const RsaPrivateComponents& c, bool check);

// One DER element of `tag` at the front of `in` (definite length, at most 0xFFFF bytes, as RSA keys
// up to 4096 bits need); returns its value and advances `in` past it. Views only: no copy of a
// secret is made here.
ByteView der_element(ByteView& in, std::uint8_t tag) {
  if (in.size() < 2 || in[0] != tag) fail(Errc::parse, "rsa: malformed PKCS#8");
  std::size_t len = in[1], header = 2;
  if (len == 0x81 || len == 0x82) {
    const std::size_t n = len & 0x7F;
    if (in.size() < 2 + n) fail(Errc::parse, "rsa: malformed PKCS#8");
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = len << 8 | in[2 + i];
    header = 2 + n;
  } else if (len > 0x7F) {
    fail(Errc::parse, "rsa: malformed PKCS#8");
  }
  if (in.size() - header < len) fail(Errc::parse, "rsa: malformed PKCS#8");
  const ByteView value = in.subspan(header, len);
  in = in.subspan(header + len);
  return value;
}

}  // namespace

RsaPrivateKey RsaPrivateKey::from_components(const RsaPrivateComponents& c) { return private_from_components(c, true); }

namespace {

RsaPrivateKey private_from_components(const RsaPrivateComponents& c, bool check) {
  const bool crt = !c.p.empty();
  if (crt && (c.q.empty() || c.dp.empty() || c.dq.empty() || c.qinv.empty()))
    fail(Errc::invalid_argument, "rsa: CRT components must be all present or all absent");
  if (c.d.empty()) fail(Errc::invalid_argument, "rsa: private exponent missing");
  // n and e are checked (size, parity) by building the public key first.
  RsaPublicKey pub = make_public(c.n, c.e);
  auto n = internal::public_bn(c.n);
  auto e = internal::public_bn(c.e);
  auto d = internal::secret_bn(c.d.view());
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld) fail(Errc::crypto, "rsa: out of memory");
  push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
  push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
  push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get());
  BnPtr crt_bn[5];
  if (crt) {
    const SecureBytes* parts[5] = {&c.p, &c.q, &c.dp, &c.dq, &c.qinv};
    const char* names[5] = {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
                            OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    for (int i = 0; i < 5; ++i) {
      crt_bn[i] = internal::secret_bn(parts[i]->view());
      push_bn(bld.get(), names[i], crt_bn[i].get());
    }
  }
  return internal::rsa_private_key_from(build_pkey(bld.get(), true), check);
}

}  // namespace

RsaPrivateKey RsaPrivateKey::from_pkcs8_der(ByteView der) {
  return internal::rsa_private_key_from(internal::decode_pkcs8(der));
}

// PKCS#8 PrivateKeyInfo (RFC 5208) holding an RSAPrivateKey (RFC 8017 A.1.2), walked by hand:
// OpenSSL 3's decoder framework took ~370 us per key here, which an EMV card paid on every CDA.
RsaPrivateKey RsaPrivateKey::from_checked_pkcs8_der(ByteView der) {
  static constexpr std::uint8_t rsa_encryption[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01};
  ByteView outer = der;
  ByteView info = der_element(outer, 0x30);
  if (!outer.empty()) fail(Errc::parse, "rsa: data after the PKCS#8 key");
  if (der_element(info, 0x02).size() != 1) fail(Errc::parse, "rsa: PKCS#8 version");
  ByteView alg = der_element(info, 0x30);
  if (alg.size() < sizeof rsa_encryption || !std::equal(rsa_encryption, rsa_encryption + sizeof rsa_encryption, alg.begin()))
    fail(Errc::crypto, "rsa: not an RSA key");
  ByteView octets = der_element(info, 0x04);
  ByteView key = der_element(octets, 0x30);
  if (der_element(key, 0x02).size() != 1) fail(Errc::parse, "rsa: RSAPrivateKey version");
  auto integer = [&key] { return der_element(key, 0x02); };
  RsaPrivateComponents c;
  const ByteView n = integer(), e = integer();
  c.n.assign(n.begin(), n.end());
  c.e.assign(e.begin(), e.end());
  c.d = SecureBytes(integer());
  c.p = SecureBytes(integer());
  c.q = SecureBytes(integer());
  c.dp = SecureBytes(integer());
  c.dq = SecureBytes(integer());
  c.qinv = SecureBytes(integer());
  return private_from_components(c, false);
}

const RsaPublicKey& RsaPrivateKey::public_key() const noexcept { return impl_->pub; }
std::size_t RsaPrivateKey::bits() const noexcept { return impl_->pub.bits(); }
std::size_t RsaPrivateKey::modulus_size() const noexcept { return impl_->pub.modulus_size(); }
SecureBytes RsaPrivateKey::to_pkcs8_der() const { return internal::encode_pkcs8(impl_->pkey.get()); }

RsaPrivateComponents RsaPrivateKey::reveal_components() const {
  EVP_PKEY* k = impl_->pkey.get();
  auto secret = [k](const char* name) {
    auto bn = get_bn(k, name, false);
    return bn ? internal::bn_to_secret(bn.get(), static_cast<std::size_t>(BN_num_bytes(bn.get()))) : SecureBytes();
  };
  RsaPrivateComponents c;
  c.n = impl_->pub.modulus();
  c.e = impl_->pub.public_exponent();
  c.d = secret(OSSL_PKEY_PARAM_RSA_D);
  c.p = secret(OSSL_PKEY_PARAM_RSA_FACTOR1);
  c.q = secret(OSSL_PKEY_PARAM_RSA_FACTOR2);
  c.dp = secret(OSSL_PKEY_PARAM_RSA_EXPONENT1);
  c.dq = secret(OSSL_PKEY_PARAM_RSA_EXPONENT2);
  c.qinv = secret(OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  return c;
}

Bytes RsaPrivateKey::raw_private(ByteView input) const {
  return raw_op(impl_->pkey.get(), internal::PkeyAccess::impl(impl_->pub)->n, input, true);
}

}  // namespace sesame::crypto
