#include "crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>
#include <vector>

#include "crypto/internal/evp_fetch.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* c) const noexcept { EVP_KDF_CTX_free(c); }
};

// OSSL_PARAM wants mutable pointers even for inputs it only reads.
void* in(ByteView b) {
  static const std::uint8_t kEmpty = 0;
  return const_cast<std::uint8_t*>(b.empty() ? &kEmpty : b.data());
}

SecureBytes derive(HashAlg alg, int mode, ByteView key, ByteView salt, ByteView info, std::size_t length) {
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(internal::fetched_kdf_hkdf()));
  if (!ctx) fail(Errc::crypto, "hkdf: out of memory");
  // RFC 5869 2.2: a missing salt is HashLen zeros; say so explicitly rather than rely on a default.
  const Bytes zero_salt(digest_size(alg), 0);
  const ByteView salt_used = salt.empty() ? ByteView(zero_salt) : salt;
  std::vector<OSSL_PARAM> params = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(internal::md_name(alg)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, in(key), key.size()),
  };
  if (mode != EVP_KDF_HKDF_MODE_EXPAND_ONLY)
    params.push_back(OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, in(salt_used), salt_used.size()));
  if (mode != EVP_KDF_HKDF_MODE_EXTRACT_ONLY && !info.empty())
    params.push_back(OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, in(info), info.size()));
  params.push_back(OSSL_PARAM_construct_end());
  SecureBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1)
    fail(Errc::crypto, "hkdf: derivation failed");
  return out;
}

void check_length(HashAlg alg, std::size_t length) {
  if (length == 0 || length > 255 * digest_size(alg))
    fail(Errc::invalid_argument, "hkdf: output length must be 1..255*HashLen");
}

}  // namespace

SecureBytes hkdf_extract(HashAlg alg, ByteView salt, ByteView ikm) {
  return derive(alg, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, {}, digest_size(alg));
}

SecureBytes hkdf_expand(HashAlg alg, ByteView prk, ByteView info, std::size_t length) {
  check_length(alg, length);
  if (prk.size() < digest_size(alg)) fail(Errc::invalid_argument, "hkdf: PRK shorter than HashLen");
  return derive(alg, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, {}, info, length);
}

SecureBytes hkdf(HashAlg alg, ByteView salt, ByteView ikm, ByteView info, std::size_t length) {
  check_length(alg, length);
  return derive(alg, EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, ikm, salt, info, length);
}

}  // namespace sesame::crypto
