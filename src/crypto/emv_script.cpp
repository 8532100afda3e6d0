#include "crypto/emv_script.h"

#include "crypto/des3.h"
#include "crypto/iso9797_mac.h"
#include "crypto/padding.h"
#include "util/error.h"

namespace sesame::crypto::emv {
namespace {

void require_key(ByteView key) {
  if (key.size() != 16) fail(Errc::invalid_argument, "EMV secure messaging keys must be 16 bytes");
}

const Bytes kZeroIcv(8, 0);

}  // namespace

Bytes script_mac(ByteView session_key_smi, ByteView input) {
  require_key(session_key_smi);
  return iso9797_mac3(session_key_smi, input, Iso9797Padding::method2);
}

Bytes encipher_script_data(ByteView session_key_smc, ByteView plaintext) {
  require_key(session_key_smc);
  return des3_cbc_encrypt(session_key_smc, kZeroIcv, iso9797_pad(Iso9797Padding::method2, plaintext, 8));
}

SecureBytes decipher_script_data(ByteView session_key_smc, ByteView ciphertext) {
  require_key(session_key_smc);
  if (ciphertext.empty() || ciphertext.size() % 8 != 0)
    fail(Errc::parse, "enciphered script data: not whole blocks");
  return iso9797_unpad_method2(des3_cbc_decrypt(session_key_smc, kZeroIcv, ciphertext), 8);
}

SecureBytes pin_block_format2(std::string_view pin) {
  if (pin.size() < 4 || pin.size() > 12) fail(Errc::invalid_argument, "a PIN has 4-12 digits");
  for (char c : pin)
    if (c < '0' || c > '9') fail(Errc::invalid_argument, "a PIN has 4-12 digits");
  SecureBytes block(Bytes(8, 0xFF));
  std::uint8_t* b = block.data();
  b[0] = static_cast<std::uint8_t>(0x20 | pin.size());
  for (std::size_t i = 0; i < pin.size(); ++i) {
    const auto d = static_cast<std::uint8_t>(pin[i] - '0');
    std::uint8_t& byte = b[1 + i / 2];
    byte = (i % 2 == 0) ? static_cast<std::uint8_t>((d << 4) | 0x0F)
                        : static_cast<std::uint8_t>((byte & 0xF0) | d);
  }
  return block;
}

SecureString pin_from_block_format2(ByteView block) {
  if (block.size() != 8 || (block[0] >> 4) != 0x2) fail(Errc::parse, "not an ISO 9564 format 2 PIN block");
  const std::size_t n = block[0] & 0x0F;
  if (n < 4 || n > 12) fail(Errc::parse, "PIN block: PIN length out of range");
  SecureString pin;
  for (std::size_t i = 0; i < 14; ++i) {
    const std::uint8_t nib = (i % 2 == 0) ? block[1 + i / 2] >> 4 : block[1 + i / 2] & 0x0F;
    if (i < n ? nib > 9 : nib != 0x0F) fail(Errc::parse, "PIN block: malformed digits or padding");
    if (i < n) pin.push_back(static_cast<char>('0' + nib));
  }
  return pin;
}

}  // namespace sesame::crypto::emv
