#include "iso7816/gp_delegated.h"

#include "crypto/aes.h"
#include "crypto/cmac.h"
#include "iso7816/gp_key_data.h"
#include "util/byte_reader.h"
#include "util/error.h"

namespace sesame::iso7816::gp {
namespace {

constexpr std::size_t kP256PointLength = 65;  // 04 || X || Y

void put_u16be(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

}  // namespace

Bytes token_message(std::uint8_t p1, std::uint8_t p2, ByteView data_without_token,
                    std::uint16_t confirmation_counter, ByteView card_unique_data) {
  if (data_without_token.size() > 255) fail(Errc::invalid_argument, "token data above 255 bytes");
  if (card_unique_data.size() != kCardUniqueDataLength)
    fail(Errc::invalid_argument, "card unique data is 10 bytes");
  Bytes m{p1, p2, static_cast<std::uint8_t>(data_without_token.size())};
  append(m, data_without_token);
  put_u16be(m, confirmation_counter);
  append(m, card_unique_data);
  return m;
}

Bytes confirmation_data(std::uint16_t confirmation_counter, ByteView card_unique_data) {
  if (card_unique_data.size() != kCardUniqueDataLength)
    fail(Errc::invalid_argument, "card unique data is 10 bytes");
  Bytes c{0x02};
  put_u16be(c, confirmation_counter);
  c.push_back(static_cast<std::uint8_t>(kCardUniqueDataLength));
  append(c, card_unique_data);
  return c;
}

Bytes receipt(ByteView receipt_key, ByteView confirmation, ByteView receipt_data) {
  Bytes m(confirmation.begin(), confirmation.end());
  append(m, receipt_data);
  return crypto::aes_cmac(receipt_key, m);
}

Bytes encode_confirmation(ByteView receipt_value, std::uint16_t counter, ByteView card_unique_data) {
  Bytes out{static_cast<std::uint8_t>(receipt_value.size())};
  append(out, receipt_value);
  const Bytes c = confirmation_data(counter, card_unique_data);
  out.push_back(static_cast<std::uint8_t>(c.size()));
  append(out, c);
  return out;
}

Confirmation parse_confirmation(ByteView response) {
  ByteReader r(response, "delegated management response");
  Confirmation c;
  const ByteView rec = r.bytes(r.u8());
  if (rec.size() != kReceiptLength) fail(Errc::parse, "receipt is not 16 bytes");
  c.receipt.assign(rec.begin(), rec.end());
  ByteReader d(r.bytes(r.u8()), "confirmation data");
  if (d.u8() != 2) fail(Errc::parse, "confirmation counter is not 2 bytes");
  c.counter = static_cast<std::uint16_t>((d.u8() << 8) | d.u8());
  const ByteView cud = d.bytes(d.u8());
  if (cud.size() != kCardUniqueDataLength) fail(Errc::parse, "card unique data is not 10 bytes");
  c.card_unique_data.assign(cud.begin(), cud.end());
  if (!d.empty() || !r.empty()) fail(Errc::parse, "data after the confirmation data");
  return c;
}

Bytes encode_token_key_data(ByteView point) {
  if (point.size() != kP256PointLength || point[0] != 0x04)
    fail(Errc::invalid_argument, "token key: an uncompressed P-256 point");
  Bytes out{kTokenKeyVersion, kKeyTypeEccPublic, static_cast<std::uint8_t>(point.size())};
  append(out, point);
  append(out, Bytes{kKeyTypeEccParameters, 0x01, kEccP256, 0x00});  // no key check value for a public key
  return out;
}

Bytes encode_receipt_key_data(ByteView key, ByteView dek) {
  // The same key component as a SCP03 key set's (gp_key_data.h), once.
  scp03::StaticKeys k{SecureBytes(key), SecureBytes(key), SecureBytes(key)};
  const Bytes three = encode_put_key_data(kReceiptKeyVersion, k, dek);
  const std::size_t one = (three.size() - 1) / 3;
  return Bytes(three.begin(), three.begin() + 1 + static_cast<std::ptrdiff_t>(one));
}

DelegationKey decode_delegation_key_data(ByteView data, ByteView dek) {
  if (data.empty()) fail(Errc::parse, "PUT KEY: no data");
  DelegationKey k;
  k.version = data[0];
  if (k.version == kTokenKeyVersion) {
    ByteReader r(data.subspan(1), "PUT KEY token key");
    if (r.u8() != kKeyTypeEccPublic) fail(Errc::invalid_argument, "token key: type 'B0' expected");
    const ByteView point = r.bytes(r.u8());
    if (r.u8() != kKeyTypeEccParameters) fail(Errc::invalid_argument, "token key: 'F0' expected");
    const ByteView params = r.bytes(r.u8());
    if (params.size() != 1 || params[0] != kEccP256) fail(Errc::invalid_argument, "token key: only P-256");
    if (r.u8() != 0) fail(Errc::parse, "token key: a public key has no key check value");
    if (!r.empty()) fail(Errc::parse, "PUT KEY: data after the key");
    if (point.size() != kP256PointLength || point[0] != 0x04)
      fail(Errc::invalid_argument, "token key: an uncompressed P-256 point");
    k.token_point.assign(point.begin(), point.end());
    return k;
  }
  if (k.version == kReceiptKeyVersion) {
    // Reuse the three-key decoder on the one component, repeated.
    const ByteView one = data.subspan(1);
    Bytes three{kReceiptKeyVersion};
    for (int i = 0; i < 3; ++i) append(three, one);
    PutKeyData d = decode_put_key_data(three, dek);
    k.receipt = std::move(d.keys.enc);
    return k;
  }
  fail(Errc::invalid_argument, "PUT KEY: one key only for KVN 70 (token) or 71 (receipt)");
}

}  // namespace sesame::iso7816::gp
