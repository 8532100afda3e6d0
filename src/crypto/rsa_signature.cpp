#include "crypto/rsa_signature.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <climits>

#include "crypto/hash.h"
#include "crypto/internal/evp_fetch.h"
#include "crypto/internal/pkey.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

void check_digest(const RsaSignatureScheme& scheme, ByteView digest) {
  if (digest.size() != digest_size(scheme.hash))
    fail(Errc::invalid_argument, "rsa: digest length does not match the hash");
}

// Sets padding, hash and (PSS) salt length on a sign or verify context.
void configure(EVP_PKEY_CTX* ctx, const RsaSignatureScheme& scheme, bool verify) {
  bool ok = EVP_PKEY_CTX_set_signature_md(ctx, internal::fetched_md(scheme.hash)) == 1;
  switch (scheme.padding) {
    case RsaPadding::pkcs1_v15:
      ok = ok && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
      break;
    case RsaPadding::pss: {
      int salt = RSA_PSS_SALTLEN_DIGEST;
      if (verify && scheme.pss_salt_length) {
        if (*scheme.pss_salt_length > INT_MAX / 2) fail(Errc::invalid_argument, "rsa: PSS salt length too long");
        salt = static_cast<int>(*scheme.pss_salt_length);
      }
      // MGF1 uses the signature hash unless told otherwise (RFC 8017 recommends the same hash).
      ok = ok && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt) == 1;
      break;
    }
    default:
      fail(Errc::invalid_argument, "rsa: unknown padding");
  }
  if (!ok) fail(Errc::crypto, "rsa: cannot set up signature scheme");
}

}  // namespace

Bytes rsa_sign_digest(const RsaPrivateKey& key, const RsaSignatureScheme& scheme, ByteView digest) {
  check_digest(scheme, digest);
  auto ctx = internal::new_pkey_ctx(internal::evp_pkey_of(key));
  if (EVP_PKEY_sign_init(ctx.get()) != 1) fail(Errc::crypto, "rsa: cannot set up signing");
  configure(ctx.get(), scheme, false);
  Bytes sig(key.modulus_size());
  std::size_t len = sig.size();
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) != 1 || len != sig.size())
    fail(Errc::crypto, "rsa: signing failed");
  return sig;
}

bool rsa_verify_digest(const RsaPublicKey& key, const RsaSignatureScheme& scheme, ByteView digest,
                       ByteView signature) {
  check_digest(scheme, digest);
  // RFC 8017 8.1.2 / 8.2.2 step 1: a signature of any other length is invalid.
  if (signature.size() != key.modulus_size()) return false;
  auto ctx = internal::new_pkey_ctx(internal::evp_pkey_of(key));
  if (EVP_PKEY_verify_init(ctx.get()) != 1) fail(Errc::crypto, "rsa: cannot set up verification");
  configure(ctx.get(), scheme, true);
  return EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(), digest.size()) == 1;
}

Bytes rsa_sign(const RsaPrivateKey& key, const RsaSignatureScheme& scheme, ByteView message) {
  return rsa_sign_digest(key, scheme, hash(scheme.hash, message));
}

bool rsa_verify(const RsaPublicKey& key, const RsaSignatureScheme& scheme, ByteView message, ByteView signature) {
  return rsa_verify_digest(key, scheme, hash(scheme.hash, message), signature);
}

}  // namespace sesame::crypto
