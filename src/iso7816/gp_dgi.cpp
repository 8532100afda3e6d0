#include "iso7816/gp_dgi.h"

#include "crypto/aes.h"
#include "crypto/padding.h"
#include "util/byte_reader.h"
#include "util/error.h"

namespace sesame::iso7816::gp {

Bytes encode_dgi(std::uint16_t tag, ByteView value) {
  if (value.size() > 0xFFFF) fail(Errc::invalid_argument, "DGI value longer than 65535 bytes");
  Bytes out;
  put_u16(out, tag);
  if (value.size() < 0xFF) {
    out.push_back(static_cast<std::uint8_t>(value.size()));
  } else {
    out.push_back(0xFF);
    put_u16(out, static_cast<std::uint16_t>(value.size()));
  }
  append(out, value);
  return out;
}

std::vector<Dgi> parse_dgis(ByteView data) {
  ByteReader r(data, "DGI data");
  std::vector<Dgi> out;
  while (!r.empty()) {
    Dgi d;
    d.tag = r.u16();
    std::size_t len = r.u8();
    if (len == 0xFF) {
      len = r.u16();
      if (len < 0xFF) fail(Errc::parse, "DGI: long length form for a short value");
    }
    d.value = SecureBytes(r.bytes(len));
    out.push_back(std::move(d));
  }
  return out;
}

Bytes encrypt_dgi_value(ByteView dek, ByteView value) {
  const SecureBytes padded = crypto::iso9797_pad(crypto::Iso9797Padding::method2, SecureBytes(value), 16);
  return crypto::aes_cbc_encrypt(dek, Bytes(16, 0), padded.view());
}

SecureBytes decrypt_dgi_value(ByteView dek, ByteView encrypted) {
  if (encrypted.empty() || encrypted.size() % 16 != 0) fail(Errc::parse, "encrypted DGI: not whole AES blocks");
  return crypto::iso9797_unpad_method2(crypto::aes_cbc_decrypt(dek, Bytes(16, 0), encrypted), 16);
}

}  // namespace sesame::iso7816::gp
