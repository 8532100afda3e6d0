#include "crypto/ecdsa.h"

#include <openssl/ec.h>
#include <openssl/evp.h>

#include <climits>

#include "crypto/hash.h"
#include "crypto/internal/ec.h"
#include "crypto/internal/pkey.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

struct SigFree {
  void operator()(ECDSA_SIG* s) const noexcept { ECDSA_SIG_free(s); }
};
using SigPtr = std::unique_ptr<ECDSA_SIG, SigFree>;

void check_digest(ByteView digest) {
  // Shortest is SHA-1; longest SHA-512. Anything else is a caller mistake, not a bad signature.
  if (digest.size() < 20 || digest.size() > 64) fail(Errc::invalid_argument, "ecdsa: digest length out of range");
}

Bytes encode_sig(const ECDSA_SIG* sig) {
  const int n = i2d_ECDSA_SIG(sig, nullptr);
  if (n <= 0) fail(Errc::crypto, "ecdsa: cannot encode signature");
  Bytes out(static_cast<std::size_t>(n));
  unsigned char* q = out.data();
  if (i2d_ECDSA_SIG(sig, &q) != n) fail(Errc::crypto, "ecdsa: cannot encode signature");
  return out;
}

}  // namespace

Bytes ecdsa_der_to_raw(Curve curve, ByteView der) {
  if (der.size() > INT_MAX) fail(Errc::parse, "ecdsa: signature too long");
  const unsigned char* p = der.data();
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != der.data() + der.size()) fail(Errc::parse, "ecdsa: malformed DER signature");
  // Only the canonical encoding is accepted, so one signature has one byte string.
  if (encode_sig(sig.get()) != Bytes(der.begin(), der.end())) fail(Errc::parse, "ecdsa: non-canonical DER signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  const std::size_t fs = field_size(curve);
  if (BN_is_negative(r) || BN_is_negative(s) || static_cast<std::size_t>(BN_num_bytes(r)) > fs ||
      static_cast<std::size_t>(BN_num_bytes(s)) > fs)
    fail(Errc::parse, "ecdsa: r or s out of range");
  Bytes out = internal::bn_to_bytes(r, fs);
  append(out, internal::bn_to_bytes(s, fs));
  return out;
}

Bytes ecdsa_raw_to_der(ByteView raw) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > 2 * 66)
    fail(Errc::parse, "ecdsa: raw signature must be r||s of equal halves");
  const std::size_t half = raw.size() / 2;
  auto r = internal::public_bn(raw.first(half));
  auto s = internal::public_bn(raw.subspan(half));
  SigPtr sig(ECDSA_SIG_new());
  if (!sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) fail(Errc::crypto, "ecdsa: out of memory");
  r.release();  // now owned by sig
  s.release();
  return encode_sig(sig.get());
}

Bytes ecdsa_sign_digest(const EcPrivateKey& key, ByteView digest, EcdsaFormat format) {
  check_digest(digest);
  EVP_PKEY* pkey = internal::evp_pkey_of(key);
  auto ctx = internal::new_pkey_ctx(pkey);
  // The key's maximum signature size instead of a length query: one EVP_PKEY_sign call less.
  const int max_len = EVP_PKEY_get_size(pkey);
  if (max_len <= 0 || EVP_PKEY_sign_init(ctx.get()) != 1) fail(Errc::crypto, "ecdsa: cannot set up signing");
  Bytes der(static_cast<std::size_t>(max_len));
  std::size_t len = der.size();
  if (EVP_PKEY_sign(ctx.get(), der.data(), &len, digest.data(), digest.size()) != 1)
    fail(Errc::crypto, "ecdsa: signing failed");
  der.resize(len);
  if (format == EcdsaFormat::der) return der;
  // OpenSSL's own DER: decoded straight to r||s, without ecdsa_der_to_raw's canonical-encoding
  // round trip, which is there for signatures that come from outside.
  const unsigned char* p = der.data();
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) fail(Errc::crypto, "ecdsa: cannot decode own signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  const std::size_t fs = field_size(key.curve());
  Bytes out = internal::bn_to_bytes(r, fs);
  append(out, internal::bn_to_bytes(s, fs));
  return out;
}

bool ecdsa_verify_digest(const EcPublicKey& key, ByteView digest, ByteView signature, EcdsaFormat format) {
  check_digest(digest);
  Bytes der;
  try {
    // Both paths normalise through raw r||s: the DER must be canonical and r, s field-sized.
    const Bytes raw = format == EcdsaFormat::raw ? Bytes(signature.begin(), signature.end())
                                                 : ecdsa_der_to_raw(key.curve(), signature);
    if (raw.size() != 2 * field_size(key.curve())) return false;
    der = ecdsa_raw_to_der(raw);
  } catch (const Error&) {
    return false;
  }
  auto ctx = internal::new_pkey_ctx(internal::evp_pkey_of(key));
  if (EVP_PKEY_verify_init(ctx.get()) != 1) fail(Errc::crypto, "ecdsa: cannot set up verification");
  return EVP_PKEY_verify(ctx.get(), der.data(), der.size(), digest.data(), digest.size()) == 1;
}

Bytes ecdsa_sign(const EcPrivateKey& key, SignatureHash h, ByteView message, EcdsaFormat format) {
  return ecdsa_sign_digest(key, hash(h, message), format);
}

bool ecdsa_verify(const EcPublicKey& key, SignatureHash h, ByteView message, ByteView signature,
                  EcdsaFormat format) {
  return ecdsa_verify_digest(key, hash(h, message), signature, format);
}

}  // namespace sesame::crypto
