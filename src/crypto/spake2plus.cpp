#include "crypto/spake2plus.h"

#include <openssl/bn.h>
#include <openssl/ec.h>

#include <string>

#include "crypto/ec_point.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"
#include "crypto/internal/ec.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::crypto::spake2plus {
namespace {

constexpr Curve kCurve = Curve::p256;

// RFC 9383 section 4: the P-256 points M and N (compressed), shared with SPAKE2 (RFC 9382).
const EcPoint& point_m() {
  static const EcPoint m = EcPoint::from_encoded(
      kCurve, from_hex("02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f"));
  return m;
}
const EcPoint& point_n() {
  static const EcPoint n = EcPoint::from_encoded(
      kCurve, from_hex("03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49"));
  return n;
}

const BIGNUM* order() {
  return EC_GROUP_get0_order(internal::ec_group(kCurve));
}

// a mod n, as a fixed-width secret scalar; zero is refused.
SecureBytes reduce(ByteView a) {
  auto bn = internal::secret_bn(a);
  auto ctx = internal::new_bn_ctx();
  internal::BnPtr r(BN_secure_new());
  if (!r || BN_nnmod(r.get(), bn.get(), order(), ctx.get()) != 1)
    fail(Errc::crypto, "spake2+: scalar reduction failed");
  if (BN_is_zero(r.get())) fail(Errc::crypto, "spake2+: scalar is zero");
  return internal::bn_to_secret(r.get(), kScalarSize);
}

// n - (a mod n): the scalar of -a·Q, so that Q' - a·Q = Q' + (n - a)·Q.
SecureBytes negate(ByteView a) {
  auto bn = internal::secret_bn(a);
  auto ctx = internal::new_bn_ctx();
  internal::BnPtr zero(BN_secure_new());
  internal::BnPtr r(BN_secure_new());
  if (!zero || !r) fail(Errc::crypto, "spake2+: out of memory");
  BN_zero(zero.get());
  if (BN_mod_sub(r.get(), zero.get(), bn.get(), order(), ctx.get()) != 1)
    fail(Errc::crypto, "spake2+: negation failed");
  if (BN_is_zero(r.get())) fail(Errc::crypto, "spake2+: scalar is zero");
  return internal::bn_to_secret(r.get(), kScalarSize);
}

// A scalar in [1, n-1] given by the caller (x, y, w0, w1).
void check_scalar(ByteView k, const char* what) {
  auto bn = internal::secret_bn(k);
  if (k.size() != kScalarSize || BN_is_zero(bn.get()) || BN_cmp(bn.get(), order()) >= 0)
    fail(Errc::invalid_argument, std::string("spake2+: ") + what + " must be a 32-byte scalar in [1, n-1]");
}

SecureBytes random_scalar() {
  internal::BnPtr d(BN_secure_new());
  if (!d) fail(Errc::crypto, "spake2+: out of memory");
  do {
    if (BN_priv_rand_range_ex(d.get(), order(), 0, nullptr) != 1)
      fail(Errc::crypto, "spake2+: random scalar failed");
  } while (BN_is_zero(d.get()));
  return internal::bn_to_secret(d.get(), kScalarSize);
}

// A received share: exactly an uncompressed point (the transcript hashes the bytes as received),
// on the curve and not the identity (EcPoint::from_encoded refuses both).
EcPoint decode_share(ByteView share, const char* what) {
  if (share.size() != kShareSize || share[0] != 0x04)
    fail(Errc::crypto, std::string("spake2+: ") + what + " is not an uncompressed P-256 point");
  return EcPoint::from_encoded(kCurve, share);
}

SecureBytes secret_point(const EcPoint& p) {
  Bytes u = p.to_uncompressed();
  SecureBytes out{ByteView(u)};
  secure_zero(u.data(), u.size());
  return out;
}

void append_le64(SecureBytes& out, std::size_t n) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(n) >> (8 * i)));
}

void append_item(SecureBytes& out, ByteView item) {
  append_le64(out, item.size());
  out.append(item);
}

ByteView as_view(const std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

SecureBytes stretch_password(ByteView password, ByteView salt, const Context& ctx,
                             const ScryptParams& params) {
  if (salt.size() < 16)
    fail(Errc::invalid_argument, "spake2+: the registration salt must be at least 16 bytes");
  SecureBytes input;
  append_item(input, password);
  append_item(input, ctx.prover_id);
  append_item(input, ctx.verifier_id);
  return scrypt(input.view(), salt, params, 2 * kPbkdfHalfSize);
}

ProverSecret prover_secret_from_pbkdf_output(ByteView w0s_w1s) {
  if (w0s_w1s.size() != 2 * kPbkdfHalfSize)
    fail(Errc::invalid_argument, "spake2+: the PBKDF output must be 80 bytes (w0s || w1s)");
  return ProverSecret{reduce(w0s_w1s.subspan(0, kPbkdfHalfSize)), reduce(w0s_w1s.subspan(kPbkdfHalfSize))};
}

VerifierRecord make_verifier_record(const ProverSecret& secret) {
  check_scalar(secret.w0.view(), "w0");
  check_scalar(secret.w1.view(), "w1");
  return VerifierRecord{secret.w0, EcPoint::generator(kCurve).multiply(secret.w1.view()).to_uncompressed()};
}

Bytes compute_share_p(ByteView x, ByteView w0) {
  check_scalar(x, "x");
  check_scalar(w0, "w0");
  return multiply_generator_add(x, point_m().multiply(w0)).to_uncompressed();
}

Bytes compute_share_v(ByteView y, ByteView w0) {
  check_scalar(y, "y");
  check_scalar(w0, "w0");
  return multiply_generator_add(y, point_n().multiply(w0)).to_uncompressed();
}

SharedPoints prover_points(ByteView x, const ProverSecret& secret, ByteView share_v) {
  check_scalar(x, "x");
  check_scalar(secret.w1.view(), "w1");
  const EcPoint y = decode_share(share_v, "shareV");
  // shareV - w0·N; the identity (a share that cancels the mask) is refused by EcPoint::add.
  const SecureBytes neg_w0 = negate(secret.w0.view());
  const EcPoint unmasked = point_n().multiply(neg_w0.view()).add(y);
  return SharedPoints{secret_point(unmasked.multiply(x)), secret_point(unmasked.multiply(secret.w1.view()))};
}

SharedPoints verifier_points(ByteView y, const VerifierRecord& record, ByteView share_p) {
  check_scalar(y, "y");
  const EcPoint x = decode_share(share_p, "shareP");
  const EcPoint l = EcPoint::from_encoded(kCurve, record.l);
  const SecureBytes neg_w0 = negate(record.w0.view());
  const EcPoint unmasked = point_m().multiply(neg_w0.view()).add(x);
  return SharedPoints{secret_point(unmasked.multiply(y)), secret_point(l.multiply(y))};
}

SecureBytes transcript(const Context& ctx, ByteView share_p, ByteView share_v, const SharedPoints& points,
                       ByteView w0) {
  SecureBytes tt;
  append_item(tt, ctx.context);
  append_item(tt, ctx.prover_id);
  append_item(tt, ctx.verifier_id);
  append_item(tt, point_m().to_uncompressed());
  append_item(tt, point_n().to_uncompressed());
  append_item(tt, share_p);
  append_item(tt, share_v);
  append_item(tt, points.z.view());
  append_item(tt, points.v.view());
  append_item(tt, w0);
  return tt;
}

KeySchedule key_schedule(ByteView tt, ByteView share_p, ByteView share_v) {
  KeySchedule ks;
  Bytes k_main = sha256(tt);
  ks.k_main = SecureBytes(ByteView(k_main));
  secure_zero(k_main.data(), k_main.size());
  // KDF(nil, K_main, info, L): HKDF-SHA256 with an empty salt (RFC 9383 sections 3.4 and 4).
  const SecureBytes confirm_keys =
      hkdf(HashAlg::sha256, {}, ks.k_main.view(), as_view("ConfirmationKeys"), 2 * kMacSize);
  ks.k_confirm_p = SecureBytes(confirm_keys.view().subspan(0, kMacSize));
  ks.k_confirm_v = SecureBytes(confirm_keys.view().subspan(kMacSize));
  ks.k_shared = hkdf(HashAlg::sha256, {}, ks.k_main.view(), as_view("SharedKey"), kMacSize);
  ks.confirm_p = hmac(HashAlg::sha256, ks.k_confirm_p.view(), share_v);
  ks.confirm_v = hmac(HashAlg::sha256, ks.k_confirm_v.view(), share_p);
  return ks;
}

Prover::Prover(Context ctx, ProverSecret secret)
    : Prover(std::move(ctx), std::move(secret), random_scalar()) {}

Prover Prover::with_scalar(Context ctx, ProverSecret secret, const SecureBytes& x) {
  return Prover(std::move(ctx), std::move(secret), x);
}

Prover::Prover(Context ctx, ProverSecret secret, SecureBytes x)
    : ctx_(std::move(ctx)), secret_(std::move(secret)), x_(std::move(x)) {
  share_p_ = compute_share_p(x_.view(), secret_.w0.view());
}

Prover::Result Prover::finish(ByteView share_v, ByteView confirm_v) {
  if (done_) fail(Errc::state, "spake2+: this prover has finished; start a new run");
  done_ = true;  // one attempt per run, whatever the outcome
  const SharedPoints points = prover_points(x_.view(), secret_, share_v);
  const SecureBytes tt = transcript(ctx_, share_p_, share_v, points, secret_.w0.view());
  KeySchedule ks = key_schedule(tt.view(), share_p_, share_v);
  x_.clear();
  if (!secure_equal(ks.confirm_v, confirm_v))
    fail(Errc::crypto, "spake2+: the verifier's confirmation is wrong");
  return Result{std::move(ks.confirm_p), std::move(ks.k_shared)};
}

Verifier::Verifier(Context ctx, VerifierRecord record)
    : Verifier(std::move(ctx), std::move(record), random_scalar()) {}

Verifier Verifier::with_scalar(Context ctx, VerifierRecord record, const SecureBytes& y) {
  return Verifier(std::move(ctx), std::move(record), y);
}

Verifier::Verifier(Context ctx, VerifierRecord record, SecureBytes y)
    : ctx_(std::move(ctx)), record_(std::move(record)), y_(std::move(y)) {
  check_scalar(record_.w0.view(), "w0");
  check_scalar(y_.view(), "y");
  EcPoint::from_encoded(kCurve, record_.l);  // validates L once, at construction
}

Verifier::Response Verifier::respond(ByteView share_p) {
  if (step_ != Step::start) fail(Errc::state, "spake2+: this verifier has already responded");
  step_ = Step::done;  // until the response is complete: a refused shareP ends the run
  Bytes share_v = compute_share_v(y_.view(), record_.w0.view());
  const SharedPoints points = verifier_points(y_.view(), record_, share_p);
  const SecureBytes tt = transcript(ctx_, share_p, share_v, points, record_.w0.view());
  KeySchedule ks = key_schedule(tt.view(), share_p, share_v);
  y_.clear();
  k_shared_ = std::move(ks.k_shared);
  expected_confirm_p_ = std::move(ks.confirm_p);
  step_ = Step::responded;
  return Response{std::move(share_v), std::move(ks.confirm_v)};
}

SecureBytes Verifier::finish(ByteView confirm_p) {
  if (step_ != Step::responded) fail(Errc::state, "spake2+: finish before respond, or twice");
  step_ = Step::done;
  const bool ok = secure_equal(expected_confirm_p_, confirm_p);
  expected_confirm_p_.clear();
  if (!ok) {
    k_shared_.clear();
    fail(Errc::crypto, "spake2+: the prover's confirmation is wrong");
  }
  return std::move(k_shared_);
}

}  // namespace sesame::crypto::spake2plus
