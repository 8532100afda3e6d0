#include "crypto/emv_keys.h"

#include <algorithm>
#include <string>

#include "crypto/des3.h"
#include "crypto/hash.h"
#include "crypto/iso9797_mac.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::crypto::emv {
namespace {

void require_size(ByteView v, std::size_t n, const char* what) {
  if (v.size() != n) fail(Errc::invalid_argument, std::string(what) + " must be " + std::to_string(n) + " bytes");
}

void require_digits(std::string_view s, const char* what) {
  for (char c : s)
    if (c < '0' || c > '9') fail(Errc::invalid_argument, std::string(what) + " must be decimal digits");
}

// Each byte gets odd parity in its least significant bit (DES key parity, Book 2 A1.4).
void adjust_odd_parity(SecureBytes& key) {
  for (std::size_t i = 0; i < key.size(); ++i) {
    std::uint8_t b = key.data()[i] & 0xFE;
    int ones = 0;
    for (int k = 1; k < 8; ++k) ones += (b >> k) & 1;
    key.data()[i] = static_cast<std::uint8_t>(b | ((ones % 2 == 0) ? 1 : 0));
  }
}

// Two 3DES encryptions of 8-byte blocks make one double-length key with odd parity.
SecureBytes two_halves(ByteView key, ByteView left_in, ByteView right_in) {
  if (left_in.size() != 8 || right_in.size() != 8) fail(Errc::internal, "emv: key halves must be 8 bytes");
  // ECB encrypts each block on its own: one call for both halves (one cipher set-up, not two).
  std::uint8_t both[16];
  std::copy(left_in.begin(), left_in.end(), both);
  std::copy(right_in.begin(), right_in.end(), both + 8);
  Bytes enc = des3_ecb_encrypt(key, ByteView(both, sizeof both));
  SecureBytes out{ByteView(enc)};
  secure_zero(enc.data(), enc.size());
  secure_zero(both, sizeof both);
  adjust_odd_parity(out);
  return out;
}

SecureBytes option_a_from_y(ByteView issuer_master_key, const std::string& y_digits) {
  const Bytes y = digits_to_bcd(y_digits, 8);
  Bytes y_inv = y;
  for (auto& b : y_inv) b = static_cast<std::uint8_t>(~b);
  return two_halves(issuer_master_key, y, y_inv);
}

std::string pan_psn(std::string_view pan, std::string_view psn) {
  require_digits(pan, "PAN");
  require_digits(psn, "PSN");
  if (pan.empty() || pan.size() > 19) fail(Errc::invalid_argument, "PAN must be 1-19 digits");
  if (!psn.empty() && psn.size() != 2) fail(Errc::invalid_argument, "PSN must be 2 digits");
  return std::string(pan) + (psn.empty() ? std::string("00") : std::string(psn));
}

}  // namespace

SecureBytes derive_icc_master_key_a(ByteView issuer_master_key, std::string_view pan, std::string_view psn) {
  require_size(issuer_master_key, 16, "issuer master key");
  std::string x = pan_psn(pan, psn);
  if (x.size() < 16) x.insert(0, 16 - x.size(), '0');
  return option_a_from_y(issuer_master_key, x.substr(x.size() - 16));
}

SecureBytes derive_icc_master_key_b(ByteView issuer_master_key, std::string_view pan, std::string_view psn) {
  if (pan.size() <= 16) return derive_icc_master_key_a(issuer_master_key, pan, psn);
  require_size(issuer_master_key, 16, "issuer master key");
  std::string x = pan_psn(pan, psn);
  if (x.size() % 2 != 0) x.insert(0, 1, '0');
  const Bytes digest = sha1(digits_to_bcd(x));
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string nibbles;
  for (auto b : digest) {
    nibbles.push_back(kHex[b >> 4]);
    nibbles.push_back(kHex[b & 0x0F]);
  }
  std::string y;
  for (char c : nibbles)
    if (y.size() < 16 && c >= '0' && c <= '9') y.push_back(c);
  for (char c : nibbles)  // decimalise A..F -> 0..5 when fewer than 16 digits were found
    if (y.size() < 16 && c >= 'A') y.push_back(static_cast<char>('0' + (c - 'A')));
  return option_a_from_y(issuer_master_key, y);
}

SecureBytes derive_common_session_key(ByteView icc_master_key, ByteView r) {
  require_size(icc_master_key, 16, "ICC master key");
  require_size(r, 8, "diversification value R");
  Bytes f1(r.begin(), r.end()), f2(r.begin(), r.end());
  f1[2] = 0xF0;
  f2[2] = 0x0F;
  return two_halves(icc_master_key, f1, f2);
}

Bytes ac_diversifier(std::uint16_t atc) {
  Bytes r;
  put_u16(r, atc);
  r.resize(8, 0);
  return r;
}

Bytes application_cryptogram(ByteView session_key, ByteView data) {
  require_size(session_key, 16, "AC session key");
  return iso9797_mac3(session_key, data, Iso9797Padding::method2);
}

Bytes cryptogram_input(ByteView cdol_data, ByteView aip, std::uint16_t atc, ByteView cvr) {
  require_size(aip, 2, "AIP");
  require_size(cvr, 6, "CVR");
  Bytes out(cdol_data.begin(), cdol_data.end());
  append(out, aip);
  put_u16(out, atc);
  append(out, cvr);
  return out;
}

Bytes arpc_method1(ByteView key, ByteView arqc, ByteView arc) {
  require_size(key, 16, "ARPC key");
  require_size(arqc, 8, "ARQC");
  require_size(arc, 2, "ARC");
  Bytes x(arqc.begin(), arqc.end());
  x[0] ^= arc[0];
  x[1] ^= arc[1];
  return des3_ecb_encrypt(key, x);
}

Bytes arpc_method2(ByteView key, ByteView arqc, ByteView csu, ByteView proprietary_auth_data) {
  require_size(key, 16, "ARPC key");
  require_size(arqc, 8, "ARQC");
  require_size(csu, 4, "CSU");
  if (proprietary_auth_data.size() > 8) fail(Errc::invalid_argument, "Proprietary Authentication Data must be 0-8 bytes");
  const Bytes mac = iso9797_mac3(key, concat({arqc, csu, proprietary_auth_data}), Iso9797Padding::method2);
  return Bytes(mac.begin(), mac.begin() + 4);
}

Bytes key_check_value(ByteView key, std::size_t n) {
  if (n < 1 || n > 8) fail(Errc::invalid_argument, "key check value: 1-8 bytes");
  const Bytes e = des3_ecb_encrypt(key, Bytes(8, 0));
  return Bytes(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(n));
}

std::string bcd_digits(ByteView bcd) {
  std::string out;
  bool padding = false;
  for (auto b : bcd) {
    for (int nib : {b >> 4, b & 0x0F}) {
      if (nib == 0x0F) {
        padding = true;
        continue;
      }
      if (padding || nib > 9) fail(Errc::parse, "BCD field: invalid digit");
      out.push_back(static_cast<char>('0' + nib));
    }
  }
  return out;
}

Bytes digits_to_bcd(std::string_view digits, std::size_t size) {
  require_digits(digits, "BCD digits");
  const std::size_t n = size == 0 ? (digits.size() + 1) / 2 : size;
  if (digits.size() > 2 * n) fail(Errc::invalid_argument, "BCD digits do not fit");
  Bytes out(n, 0xFF);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const auto d = static_cast<std::uint8_t>(digits[i] - '0');
    auto& b = out[i / 2];
    b = (i % 2 == 0) ? static_cast<std::uint8_t>((d << 4) | 0x0F) : static_cast<std::uint8_t>((b & 0xF0) | d);
  }
  return out;
}

}  // namespace sesame::crypto::emv
