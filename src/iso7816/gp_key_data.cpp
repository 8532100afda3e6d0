#include "iso7816/gp_key_data.h"

#include "crypto/aes.h"
#include "util/byte_reader.h"
#include "util/error.h"

namespace sesame::iso7816::gp {
namespace {

constexpr std::size_t kKcvLen = 3;

std::size_t padded(std::size_t n) { return (n + 15) / 16 * 16; }

void append_key(Bytes& out, ByteView key, ByteView dek) {
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) fail(Errc::invalid_argument, "PUT KEY: AES keys are 16, 24 or 32 bytes");
  SecureBytes plain(key);
  plain.resize(padded(key.size()));  // zero padding to whole blocks
  const Bytes encrypted = crypto::aes_cbc_encrypt(dek, Bytes(16, 0), plain.view());
  out.push_back(kKeyTypeAes);
  out.push_back(static_cast<std::uint8_t>(1 + encrypted.size()));
  out.push_back(static_cast<std::uint8_t>(key.size()));
  append(out, encrypted);
  out.push_back(kKcvLen);
  append(out, key_check_value(key));
}

}  // namespace

Bytes key_check_value(ByteView key) {
  Bytes kcv = crypto::aes_ecb_encrypt(key, Bytes(16, 0x01));
  kcv.resize(kKcvLen);
  return kcv;
}

Bytes encode_put_key_data(std::uint8_t new_kvn, const scp03::StaticKeys& keys, ByteView dek) {
  Bytes out{new_kvn};
  append_key(out, keys.enc.view(), dek);
  append_key(out, keys.mac.view(), dek);
  append_key(out, keys.dek.view(), dek);
  return out;
}

PutKeyData decode_put_key_data(ByteView data, ByteView dek) {
  ByteReader r(data, "PUT KEY data");
  PutKeyData d;
  d.new_kvn = r.u8();
  SecureBytes* slots[3] = {&d.keys.enc, &d.keys.mac, &d.keys.dek};
  for (SecureBytes* slot : slots) {
    const std::uint8_t type = r.u8();
    const std::size_t len = r.u8();
    const ByteView block = r.bytes(len);
    if (type != kKeyTypeAes) fail(Errc::invalid_argument, "PUT KEY: only AES keys ('88')");
    if (block.empty()) fail(Errc::parse, "PUT KEY: empty key component");
    const std::size_t key_len = block[0];
    const ByteView encrypted = block.subspan(1);
    if ((key_len != 16 && key_len != 24 && key_len != 32) || encrypted.size() != padded(key_len))
      fail(Errc::invalid_argument, "PUT KEY: AES keys are 16, 24 or 32 bytes");
    SecureBytes key = crypto::aes_cbc_decrypt(dek, Bytes(16, 0), encrypted);
    key.resize(key_len);
    const std::size_t kcv_len = r.u8();
    const ByteView kcv = r.bytes(kcv_len);
    if (kcv_len != kKcvLen) fail(Errc::parse, "PUT KEY: key check values have 3 bytes");
    if (!secure_equal(key_check_value(key.view()), kcv)) fail(Errc::crypto, "PUT KEY: key check value does not match");
    append(d.check_values, kcv);
    *slot = std::move(key);
  }
  if (!r.empty()) fail(Errc::parse, "PUT KEY: data after the third key");
  if (d.keys.mac.size() != d.keys.enc.size() || d.keys.dek.size() != d.keys.enc.size())
    fail(Errc::invalid_argument, "PUT KEY: the three keys must have one length");
  return d;
}

}  // namespace sesame::iso7816::gp
