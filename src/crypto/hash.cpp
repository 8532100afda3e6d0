#include "crypto/hash.h"

#include <openssl/evp.h>

#include "crypto/internal/evp_fetch.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

void check(int ok, const char* what) {
  if (ok != 1) fail(Errc::crypto, std::string("hash: ") + what);
}

}  // namespace

std::size_t digest_size(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1: return 20;
    case HashAlg::sha224: return 28;
    case HashAlg::sha256: return 32;
    case HashAlg::sha384: return 48;
    case HashAlg::sha512: return 64;
  }
  fail(Errc::invalid_argument, "hash: unknown algorithm");
}

Bytes hash(HashAlg alg, ByteView data) {
  Bytes out(digest_size(alg));
  unsigned int n = 0;
  check(EVP_Digest(data.data(), data.size(), out.data(), &n, internal::fetched_md(alg), nullptr), "digest");
  if (n != out.size()) fail(Errc::internal, "hash: unexpected digest length");
  return out;
}

struct Hasher::Ctx {
  EVP_MD_CTX* md_ctx = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md_ctx); }
};

Hasher::Hasher(HashAlg alg) : alg_(alg), ctx_(std::make_unique<Ctx>()) {
  if (ctx_->md_ctx == nullptr) fail(Errc::crypto, "hash: out of memory");
  check(EVP_DigestInit_ex2(ctx_->md_ctx, internal::fetched_md(alg), nullptr), "init");
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

Hasher& Hasher::update(ByteView data) {
  if (!ctx_) fail(Errc::state, "hash: use of a moved-from Hasher");
  check(EVP_DigestUpdate(ctx_->md_ctx, data.data(), data.size()), "update");
  return *this;
}

Bytes Hasher::finish() {
  if (!ctx_) fail(Errc::state, "hash: use of a moved-from Hasher");
  Bytes out(digest_size(alg_));
  unsigned int n = 0;
  check(EVP_DigestFinal_ex(ctx_->md_ctx, out.data(), &n), "final");
  if (n != out.size()) fail(Errc::internal, "hash: unexpected digest length");
  check(EVP_DigestInit_ex2(ctx_->md_ctx, internal::fetched_md(alg_), nullptr), "reset");
  return out;
}

}  // namespace sesame::crypto
