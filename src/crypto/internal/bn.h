// Internal to src/crypto: BIGNUM handles and conversions shared by the EC and RSA code.
#pragma once

#include <openssl/bn.h>

#include <memory>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto::internal {

struct BnFree {
  void operator()(BIGNUM* b) const noexcept { BN_clear_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

struct BnCtxFree {
  void operator()(BN_CTX* c) const noexcept { BN_CTX_free(c); }
};
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;

BnCtxPtr new_bn_ctx();
// A big-endian integer into a BIGNUM flagged for constant-time use (for secret scalars).
BnPtr secret_bn(ByteView big_endian);
BnPtr public_bn(ByteView big_endian);
// Fixed-width big-endian encoding; fails (Errc::internal) if bn does not fit.
SecureBytes bn_to_secret(const BIGNUM* bn, std::size_t width);
Bytes bn_to_bytes(const BIGNUM* bn, std::size_t width);

}  // namespace sesame::crypto::internal
