#include "crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <memory>

#include "crypto/internal/evp_fetch.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

void check(int ok, const char* what) {
  if (ok != 1) fail(Errc::crypto, std::string("hmac: ") + what);
}

}  // namespace

Bytes hmac(HashAlg alg, ByteView key, ByteView data) {
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(internal::fetched_mac_hmac()));
  if (!ctx) fail(Errc::crypto, "hmac: out of memory");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(internal::md_name(alg)), 0),
      OSSL_PARAM_construct_end(),
  };
  // OpenSSL treats a null key as "keep the previous key"; a zero-length key needs a real pointer.
  static const std::uint8_t kNoKey = 0;
  check(EVP_MAC_init(ctx.get(), key.empty() ? &kNoKey : key.data(), key.size(), params), "init");
  check(EVP_MAC_update(ctx.get(), data.data(), data.size()), "update");
  Bytes out(digest_size(alg));
  std::size_t n = 0;
  check(EVP_MAC_final(ctx.get(), out.data(), &n, out.size()), "final");
  if (n != out.size()) fail(Errc::internal, "hmac: unexpected tag length");
  return out;
}

}  // namespace sesame::crypto
