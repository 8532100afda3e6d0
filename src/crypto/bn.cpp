// The BIGNUM helpers of internal/bn.h.
#include "crypto/internal/bn.h"

#include <climits>

#include "util/error.h"

namespace sesame::crypto::internal {

BnCtxPtr new_bn_ctx() {
  BnCtxPtr ctx(BN_CTX_secure_new());
  if (!ctx) fail(Errc::crypto, "ec: out of memory");
  return ctx;
}

BnPtr secret_bn(ByteView be) {
  if (be.size() > INT_MAX / 8) fail(Errc::invalid_argument, "bn: integer too long");
  BnPtr bn(BN_secure_new());
  if (!bn || !BN_bin2bn(be.data(), static_cast<int>(be.size()), bn.get()))
    fail(Errc::crypto, "bn: out of memory");
  BN_set_flags(bn.get(), BN_FLG_CONSTTIME);
  return bn;
}

BnPtr public_bn(ByteView be) {
  if (be.size() > INT_MAX / 8) fail(Errc::invalid_argument, "bn: integer too long");
  BnPtr bn(BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr));
  if (!bn) fail(Errc::crypto, "bn: out of memory");
  return bn;
}

SecureBytes bn_to_secret(const BIGNUM* bn, std::size_t width) {
  SecureBytes out(width);
  if (BN_bn2binpad(bn, out.data(), static_cast<int>(width)) != static_cast<int>(width))
    fail(Errc::internal, "bn: integer wider than its field");
  return out;
}

Bytes bn_to_bytes(const BIGNUM* bn, std::size_t width) {
  Bytes out(width);
  if (BN_bn2binpad(bn, out.data(), static_cast<int>(width)) != static_cast<int>(width))
    fail(Errc::internal, "bn: integer wider than its field");
  return out;
}

}  // namespace sesame::crypto::internal
