#include "crypto/internal/block_cipher.h"

#include <openssl/evp.h>

#include <climits>
#include <memory>
#include <string>

#include "util/error.h"

namespace sesame::crypto::internal {
namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};

}  // namespace

void run_block_cipher(const EVP_CIPHER* cipher, bool encrypt, ByteView key, ByteView iv, ByteView in,
                      std::uint8_t* out, const char* what) {
  const auto block = static_cast<std::size_t>(EVP_CIPHER_get_block_size(cipher));
  const auto iv_len = static_cast<std::size_t>(EVP_CIPHER_get_iv_length(cipher));
  if (block == 0 || in.size() % block != 0)
    fail(Errc::invalid_argument, std::string(what) + ": input is not a whole number of blocks");
  if (iv.size() != iv_len)
    fail(Errc::invalid_argument, std::string(what) + ": IV must be " + std::to_string(iv_len) + " bytes");
  if (key.size() != static_cast<std::size_t>(EVP_CIPHER_get_key_length(cipher)))
    fail(Errc::internal, std::string(what) + ": key length does not match the cipher");
  if (in.size() > INT_MAX) fail(Errc::invalid_argument, std::string(what) + ": input too long");
  if (in.empty()) return;

  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) fail(Errc::crypto, std::string(what) + ": out of memory");
  int len = 0;
  int fin = 0;
  const bool ok = EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), iv.empty() ? nullptr : iv.data(),
                                     encrypt ? 1 : 0, nullptr) == 1 &&
                  EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
                  EVP_CipherUpdate(ctx.get(), out, &len, in.data(), static_cast<int>(in.size())) == 1 &&
                  EVP_CipherFinal_ex(ctx.get(), out + len, &fin) == 1;
  if (!ok || static_cast<std::size_t>(len + fin) != in.size())
    fail(Errc::crypto, std::string(what) + ": cipher operation failed");
}

}  // namespace sesame::crypto::internal
