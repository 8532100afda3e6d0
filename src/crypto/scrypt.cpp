#include "crypto/scrypt.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

#include "util/error.h"

namespace sesame::crypto {
namespace {

struct KdfFree {
  void operator()(EVP_KDF* k) const noexcept { EVP_KDF_free(k); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* c) const noexcept { EVP_KDF_CTX_free(c); }
};

void* in(ByteView b) {
  static const std::uint8_t kEmpty = 0;
  return const_cast<std::uint8_t*>(b.empty() ? &kEmpty : b.data());
}

}  // namespace

SecureBytes scrypt(ByteView password, ByteView salt, const ScryptParams& params, std::size_t length) {
  if (length == 0) fail(Errc::invalid_argument, "scrypt: output length 0");
  if (params.n < 2 || (params.n & (params.n - 1)) != 0)
    fail(Errc::invalid_argument, "scrypt: N must be a power of two");
  if (params.r == 0 || params.p == 0) fail(Errc::invalid_argument, "scrypt: r and p must be positive");
  if (params.n > (std::uint64_t{1} << 24) || params.r > 64 || params.p > 64)
    fail(Errc::invalid_argument, "scrypt: parameters too large");
  // Scrypt's working memory is 128·r·N bytes (V) plus 128·r·p (B) and a little more: allow twice.
  std::uint64_t maxmem = 2 * 128 * std::uint64_t{params.r} * (params.n + params.p) + (1u << 20);
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr));
  if (!kdf) fail(Errc::crypto, "scrypt: not offered by the OpenSSL provider");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) fail(Errc::crypto, "scrypt: out of memory");
  std::uint64_t n = params.n;
  std::uint32_t r = params.r, p = params.p;
  const OSSL_PARAM ossl[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, in(password), password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, in(salt), salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end(),
  };
  SecureBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), ossl) != 1)
    fail(Errc::crypto, "scrypt: derivation failed");
  return out;
}

}  // namespace sesame::crypto
