#include "crypto/aes_gcm.h"

#include <openssl/evp.h>

#include <memory>

#include "crypto/internal/evp_fetch.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const EVP_CIPHER* gcm_for(std::size_t key_len) {
  switch (key_len) {
    case 16: return internal::fetched_cipher(internal::CipherId::aes_128_gcm);
    case 24: return internal::fetched_cipher(internal::CipherId::aes_192_gcm);
    case 32: return internal::fetched_cipher(internal::CipherId::aes_256_gcm);
    default: fail(Errc::invalid_argument, "aes-gcm: key must be 16, 24 or 32 bytes");
  }
}

void check(int ok, const char* what) {
  if (ok != 1) fail(Errc::crypto, std::string("aes-gcm: ") + what);
}

}  // namespace

Bytes aes_gcm_encrypt(ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  if (iv.size() != kGcmIvSize) fail(Errc::invalid_argument, "aes-gcm: IV must be 12 bytes");
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) fail(Errc::crypto, "aes-gcm: out of memory");
  check(EVP_EncryptInit_ex(ctx.get(), gcm_for(key.size()), nullptr, key.data(), iv.data()), "init");
  int len = 0;
  if (!aad.empty())
    check(EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())), "aad");
  Bytes out(plaintext.size() + kGcmTagSize);
  int n = 0;
  if (!plaintext.empty())
    check(EVP_EncryptUpdate(ctx.get(), out.data(), &n, plaintext.data(), static_cast<int>(plaintext.size())),
          "update");
  check(EVP_EncryptFinal_ex(ctx.get(), out.data() + n, &len), "final");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize, out.data() + plaintext.size()), "tag");
  return out;
}

SecureBytes aes_gcm_decrypt(ByteView key, ByteView iv, ByteView aad, ByteView in) {
  if (iv.size() != kGcmIvSize) fail(Errc::invalid_argument, "aes-gcm: IV must be 12 bytes");
  if (in.size() < kGcmTagSize) fail(Errc::integrity, "aes-gcm: ciphertext shorter than the tag");
  const std::size_t ct_len = in.size() - kGcmTagSize;
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) fail(Errc::crypto, "aes-gcm: out of memory");
  check(EVP_DecryptInit_ex(ctx.get(), gcm_for(key.size()), nullptr, key.data(), iv.data()), "init");
  int len = 0;
  if (!aad.empty())
    check(EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())), "aad");
  SecureBytes out(ct_len);
  int n = 0;
  if (ct_len)
    check(EVP_DecryptUpdate(ctx.get(), out.data(), &n, in.data(), static_cast<int>(ct_len)), "update");
  Bytes tag(in.begin() + static_cast<std::ptrdiff_t>(ct_len), in.end());
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag.data()), "tag");
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + n, &len) != 1) {
    out.clear();
    fail(Errc::integrity, "aes-gcm: authentication failed");
  }
  return out;
}

}  // namespace sesame::crypto
