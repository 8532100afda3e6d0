#include "crypto/aes.h"

#include "crypto/internal/block_cipher.h"
#include "crypto/internal/evp_fetch.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

using internal::CipherId;

const EVP_CIPHER* aes_for(std::size_t key_len, bool cbc) {
  switch (key_len) {
    case 16: return internal::fetched_cipher(cbc ? CipherId::aes_128_cbc : CipherId::aes_128_ecb);
    case 24: return internal::fetched_cipher(cbc ? CipherId::aes_192_cbc : CipherId::aes_192_ecb);
    case 32: return internal::fetched_cipher(cbc ? CipherId::aes_256_cbc : CipherId::aes_256_ecb);
    default: fail(Errc::invalid_argument, "aes: key must be 16, 24 or 32 bytes");
  }
}

template <typename Out>
Out run(bool cbc, bool encrypt, ByteView key, ByteView iv, ByteView in) {
  const EVP_CIPHER* cipher = aes_for(key.size(), cbc);
  Out out(in.size());
  internal::run_block_cipher(cipher, encrypt, key, iv, in, out.data(), "aes");
  return out;
}

}  // namespace

Bytes aes_ecb_encrypt(ByteView key, ByteView plaintext) {
  return run<Bytes>(false, true, key, {}, plaintext);
}

SecureBytes aes_ecb_decrypt(ByteView key, ByteView ciphertext) {
  return run<SecureBytes>(false, false, key, {}, ciphertext);
}

Bytes aes_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext) {
  return run<Bytes>(true, true, key, iv, plaintext);
}

SecureBytes aes_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  return run<SecureBytes>(true, false, key, iv, ciphertext);
}

Bytes aes_encrypt_block(ByteView key, ByteView block) {
  if (block.size() != kAesBlockSize) fail(Errc::invalid_argument, "aes: a block is 16 bytes");
  return aes_ecb_encrypt(key, block);
}

}  // namespace sesame::crypto
