#include "crypto/cmac.h"

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
  if (ok != 1) fail(Errc::crypto, std::string("cmac: ") + what);
}

}  // namespace

Bytes aes_cmac(ByteView key, ByteView data) {
  const char* cipher = nullptr;
  switch (key.size()) {
    case 16: cipher = "AES-128-CBC"; break;
    case 24: cipher = "AES-192-CBC"; break;
    case 32: cipher = "AES-256-CBC"; break;
    default: fail(Errc::invalid_argument, "cmac: key must be 16, 24 or 32 bytes");
  }
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(internal::fetched_mac_cmac()));
  if (!ctx) fail(Errc::crypto, "cmac: out of memory");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, const_cast<char*>(cipher), 0),
      OSSL_PARAM_construct_end(),
  };
  check(EVP_MAC_init(ctx.get(), key.data(), key.size(), params), "init");
  check(EVP_MAC_update(ctx.get(), data.data(), data.size()), "update");
  Bytes out(kAesCmacSize);
  std::size_t n = 0;
  check(EVP_MAC_final(ctx.get(), out.data(), &n, out.size()), "final");
  if (n != out.size()) fail(Errc::internal, "cmac: unexpected tag length");
  return out;
}

Bytes aes_cmac(ByteView key, ByteView data, std::size_t tag_len) {
  if (tag_len == 0 || tag_len > kAesCmacSize) fail(Errc::invalid_argument, "cmac: tag length must be 1..16");
  Bytes tag = aes_cmac(key, data);
  tag.resize(tag_len);
  return tag;
}

}  // namespace sesame::crypto
