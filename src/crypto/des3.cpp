#include "crypto/des3.h"

#include "crypto/internal/block_cipher.h"
#include "crypto/internal/evp_fetch.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

using internal::CipherId;

// The 24-byte K1||K2||K3 schedule OpenSSL's DES-EDE3 wants.
SecureBytes ede3_key(ByteView key, bool single) {
  if (single) {
    if (key.size() != 8) fail(Errc::invalid_argument, "des: key must be 8 bytes");
    SecureBytes k(key);
    k.append(key);
    k.append(key);
    return k;
  }
  switch (key.size()) {
    case 16: {
      SecureBytes k(key);
      k.append(key.first(8));
      return k;
    }
    case 24: return SecureBytes(key);
    default: fail(Errc::invalid_argument, "des3: key must be 16 or 24 bytes");
  }
}

template <typename Out>
Out run(bool single, bool cbc, bool encrypt, ByteView key, ByteView iv, ByteView in) {
  const SecureBytes k = ede3_key(key, single);
  const EVP_CIPHER* cipher = internal::fetched_cipher(cbc ? CipherId::des_ede3_cbc : CipherId::des_ede3_ecb);
  Out out(in.size());
  internal::run_block_cipher(cipher, encrypt, k.view(), iv, in, out.data(), single ? "des" : "des3");
  return out;
}

}  // namespace

Bytes des3_ecb_encrypt(ByteView key, ByteView plaintext) {
  return run<Bytes>(false, false, true, key, {}, plaintext);
}
SecureBytes des3_ecb_decrypt(ByteView key, ByteView ciphertext) {
  return run<SecureBytes>(false, false, false, key, {}, ciphertext);
}
Bytes des3_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext) {
  return run<Bytes>(false, true, true, key, iv, plaintext);
}
SecureBytes des3_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  return run<SecureBytes>(false, true, false, key, iv, ciphertext);
}

Bytes des_ecb_encrypt(ByteView key, ByteView plaintext) {
  return run<Bytes>(true, false, true, key, {}, plaintext);
}
SecureBytes des_ecb_decrypt(ByteView key, ByteView ciphertext) {
  return run<SecureBytes>(true, false, false, key, {}, ciphertext);
}
Bytes des_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext) {
  return run<Bytes>(true, true, true, key, iv, plaintext);
}
SecureBytes des_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  return run<SecureBytes>(true, true, false, key, iv, ciphertext);
}

}  // namespace sesame::crypto
