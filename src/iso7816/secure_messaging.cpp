#include "iso7816/secure_messaging.h"

#include <vector>

#include "crypto/aes.h"
#include "crypto/cmac.h"
#include "crypto/padding.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::iso7816 {
namespace {

using crypto::Iso9797Padding;
constexpr std::uint8_t kSmClaBits = 0x0C;  // ISO/IEC 7816-4 §5.4.1: SM, command header authenticated
constexpr std::uint8_t kPaddingIndicator = 0x01;

// One data object of an SM field, with the exact bytes it was received as (the MAC covers those).
struct SmObject {
  std::uint32_t tag = 0;
  Bytes value;
  ByteView raw;
};

// Splits an SM data field into its data objects (DER lengths only: a card or terminal that pads or
// uses overlong lengths is refused). Error(Errc::parse) when malformed.
std::vector<SmObject> split(ByteView data) {
  std::vector<SmObject> out;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t used = 0;
    const ByteView rest = data.subspan(pos);
    Tlv t = parse_first(rest, used, TlvMode::strict);
    out.push_back({t.tag(), t.value(), rest.first(used)});
    pos += used;
  }
  return out;
}

Bytes le_value(const CommandApdu& plain) {
  Bytes le;
  if (plain.ne <= 256 && !plain.extended) {
    le.push_back(static_cast<std::uint8_t>(plain.ne == 256 ? 0 : plain.ne));
  } else {
    put_u16(le, static_cast<std::uint16_t>(plain.ne == 65536 ? 0 : plain.ne));
  }
  return le;
}

bool first_interindustry(std::uint8_t cla) {
  return (cla & 0xE0) == 0x00 || (cla & 0xE0) == 0x80;
}

}  // namespace

SecureMessaging::SecureMessaging(SecureBytes k_enc, SecureBytes k_mac)
    : k_enc_(std::move(k_enc)), k_mac_(std::move(k_mac)), ssc_(kSmSscSize, 0) {
  const auto ok = [](std::size_t n) { return n == 16 || n == 24 || n == 32; };
  if (!ok(k_enc_.size()) || k_enc_.size() != k_mac_.size())
    fail(Errc::invalid_argument, "secure messaging: AES keys of 16, 24 or 32 bytes");
}

void SecureMessaging::set_ssc(ByteView ssc) {
  if (ssc.size() != kSmSscSize) fail(Errc::invalid_argument, "secure messaging: SSC is 16 bytes");
  ssc_.assign(ssc.begin(), ssc.end());
}

void SecureMessaging::increment() {
  for (std::size_t i = ssc_.size(); i-- > 0;)
    if (++ssc_[i] != 0) return;
}

Bytes SecureMessaging::encrypt(ByteView plaintext) const {
  const Bytes iv = crypto::aes_encrypt_block(k_enc_.view(), ssc_);
  return crypto::aes_cbc_encrypt(k_enc_.view(), iv,
                                 crypto::iso9797_pad(Iso9797Padding::method2, plaintext, 16));
}

SecureBytes SecureMessaging::decrypt(ByteView cryptogram) const {
  if (cryptogram.empty() || cryptogram.size() % crypto::kAesBlockSize != 0)
    fail(Errc::parse, "secure messaging: cryptogram is not a whole number of blocks");
  const Bytes iv = crypto::aes_encrypt_block(k_enc_.view(), ssc_);
  return crypto::iso9797_unpad_method2(crypto::aes_cbc_decrypt(k_enc_.view(), iv, cryptogram), 16);
}

Bytes SecureMessaging::mac(ByteView data) const {
  Bytes input = ssc_;
  append(input, crypto::iso9797_pad(Iso9797Padding::method2, data, 16));
  return crypto::aes_cmac(k_mac_.view(), input, kSmMacSize);
}

CommandApdu SecureMessaging::wrap_command(const CommandApdu& plain) {
  if (!first_interindustry(plain.cla) || (plain.cla & kSmClaBits) != 0)
    fail(Errc::invalid_argument, "secure messaging: CLA must be a first interindustry class without SM");
  increment();
  CommandApdu out;
  out.cla = static_cast<std::uint8_t>(plain.cla | kSmClaBits);
  out.ins = plain.ins;
  out.p1 = plain.p1;
  out.p2 = plain.p2;
  Bytes dos;
  if (!plain.data.empty()) {
    Bytes v{kPaddingIndicator};
    append(v, encrypt(plain.data));
    append_tlv(dos, 0x87, v);
  }
  if (plain.ne != 0) append_tlv(dos, 0x97, le_value(plain));
  Bytes macced = crypto::iso9797_pad(Iso9797Padding::method2, Bytes{out.cla, out.ins, out.p1, out.p2}, 16);
  append(macced, dos);
  out.data = dos;
  append_tlv(out.data, 0x8E, mac(macced));
  out.extended = plain.extended || plain.ne > 256 || out.data.size() > 255;
  out.ne = out.extended ? 65536 : 256;
  return out;
}

ResponseApdu SecureMessaging::unwrap_response(const ResponseApdu& protected_response) {
  increment();
  if (protected_response.data.empty())
    fail(Errc::crypto,
         "secure messaging: response without MAC (status " + sw_name(protected_response.sw) + ")");
  const std::vector<SmObject> dos = split(protected_response.data);
  std::size_t i = 0;
  const SmObject* d87 = nullptr;
  const SmObject* d99 = nullptr;
  if (i < dos.size() && dos[i].tag == 0x87) d87 = &dos[i++];
  if (i < dos.size() && dos[i].tag == 0x99) d99 = &dos[i++];
  if (i + 1 != dos.size() || dos[i].tag != 0x8E)
    fail(Errc::crypto, "secure messaging: response MAC missing or misplaced");
  if (!d99 || d99->value.size() != 2) fail(Errc::parse, "secure messaging: response without DO'99'");
  Bytes macced;
  for (std::size_t k = 0; k < i; ++k) append(macced, dos[k].raw);
  if (!secure_equal(mac(macced), dos[i].value)) fail(Errc::crypto, "secure messaging: wrong response MAC");
  ResponseApdu out;
  out.sw = get_u16(d99->value);
  if (d87) {
    if (d87->value.empty() || d87->value[0] != kPaddingIndicator)
      fail(Errc::parse, "secure messaging: DO'87' without padding indicator 01");
    out.data = decrypt(ByteView(d87->value).subspan(1)).reveal();
  }
  return out;
}

CommandApdu SecureMessaging::unwrap_command(const CommandApdu& protected_command) {
  increment();
  if ((protected_command.cla & kSmClaBits) != kSmClaBits || !first_interindustry(protected_command.cla))
    throw_sw(Sw::sm_data_objects_missing);
  std::vector<SmObject> dos;
  try {
    dos = split(protected_command.data);
  } catch (const Error&) {
    throw_sw(Sw::sm_data_objects_incorrect);
  }
  std::size_t i = 0;
  const SmObject* d87 = nullptr;
  const SmObject* d97 = nullptr;
  if (i < dos.size() && dos[i].tag == 0x87) d87 = &dos[i++];
  if (i < dos.size() && dos[i].tag == 0x97) d97 = &dos[i++];
  if (i >= dos.size() || dos[i].tag != 0x8E) throw_sw(Sw::sm_data_objects_missing);
  if (i + 1 != dos.size()) throw_sw(Sw::sm_data_objects_incorrect);
  Bytes macced = crypto::iso9797_pad(
      Iso9797Padding::method2,
      Bytes{protected_command.cla, protected_command.ins, protected_command.p1, protected_command.p2}, 16);
  for (std::size_t k = 0; k < i; ++k) append(macced, dos[k].raw);
  if (!secure_equal(mac(macced), dos[i].value)) throw_sw(Sw::sm_data_objects_incorrect);

  CommandApdu out;
  out.cla = static_cast<std::uint8_t>(protected_command.cla & ~kSmClaBits);
  out.ins = protected_command.ins;
  out.p1 = protected_command.p1;
  out.p2 = protected_command.p2;
  if (d87) {
    if (d87->value.size() < 2 || d87->value[0] != kPaddingIndicator) throw_sw(Sw::sm_data_objects_incorrect);
    try {
      out.data = decrypt(ByteView(d87->value).subspan(1)).reveal();
    } catch (const Error&) {
      throw_sw(Sw::sm_data_objects_incorrect);
    }
  }
  if (d97) {
    const Bytes& le = d97->value;
    if (le.size() == 1) {
      out.ne = le[0] == 0 ? 256 : le[0];
    } else if (le.size() == 2) {
      out.ne = get_u16(le) == 0 ? 65536 : get_u16(le);
      out.extended = true;
    } else if (!le.empty()) {
      throw_sw(Sw::sm_data_objects_incorrect);
    }
  }
  if (out.data.size() > 255 || out.ne > 256) out.extended = true;
  return out;
}

ResponseApdu SecureMessaging::wrap_response(const ResponseApdu& plain) {
  increment();
  Bytes dos;
  if (!plain.data.empty()) {
    Bytes v{kPaddingIndicator};
    append(v, encrypt(plain.data));
    append_tlv(dos, 0x87, v);
  }
  Bytes sw;
  put_u16(sw, plain.sw);
  append_tlv(dos, 0x99, sw);
  ResponseApdu out;
  out.data = dos;
  append_tlv(out.data, 0x8E, mac(dos));
  out.sw = plain.sw;
  return out;
}

}  // namespace sesame::iso7816
