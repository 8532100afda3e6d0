#include "crypto/iso9797_mac.h"

#include "crypto/aes.h"
#include "crypto/des3.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {
namespace {

Bytes chaining_value(ByteView icv, std::size_t block, const char* what) {
  if (icv.empty()) return Bytes(block, 0);
  if (icv.size() != block)
    fail(Errc::invalid_argument, std::string(what) + ": ICV must be " + std::to_string(block) + " bytes");
  return Bytes(icv.begin(), icv.end());
}

Bytes last_block(const Bytes& cbc_out, std::size_t block) {
  return Bytes(cbc_out.end() - static_cast<std::ptrdiff_t>(block), cbc_out.end());
}

}  // namespace

Bytes iso9797_mac1_des(ByteView key, ByteView data, Iso9797Padding padding, ByteView icv) {
  const Bytes iv = chaining_value(icv, kDesBlockSize, "mac1");
  const Bytes padded = iso9797_pad(padding, data, kDesBlockSize);
  switch (key.size()) {
    case 8: return last_block(des_cbc_encrypt(key, iv, padded), kDesBlockSize);
    case 16:
    case 24: return last_block(des3_cbc_encrypt(key, iv, padded), kDesBlockSize);
    default: fail(Errc::invalid_argument, "mac1: DES key must be 8, 16 or 24 bytes");
  }
}

Bytes iso9797_mac1_aes(ByteView key, ByteView data, Iso9797Padding padding, ByteView icv) {
  const Bytes iv = chaining_value(icv, kAesBlockSize, "mac1");
  return last_block(aes_cbc_encrypt(key, iv, iso9797_pad(padding, data, kAesBlockSize)), kAesBlockSize);
}

Bytes iso9797_mac3(ByteView key, ByteView data, Iso9797Padding padding, ByteView icv) {
  if (key.size() != 16) fail(Errc::invalid_argument, "mac3: key must be 16 bytes (K||K')");
  const Bytes iv = chaining_value(icv, kDesBlockSize, "mac3");
  const ByteView k = key.first(8);
  const ByteView k_prime = key.last(8);
  const Bytes h =
      last_block(des_cbc_encrypt(k, iv, iso9797_pad(padding, data, kDesBlockSize)), kDesBlockSize);
  const SecureBytes g = des_ecb_decrypt(k_prime, h);
  return des_ecb_encrypt(k, g.view());
}

}  // namespace sesame::crypto
