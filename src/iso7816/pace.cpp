#include "iso7816/pace.h"

#include <string>

#include "crypto/aes.h"
#include "crypto/cmac.h"
#include "crypto/hash.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::iso7816::pace {
namespace {

// 0.4.0.127.0.7.2.2 (bsi-de protocols smartcard): 04 00 7F 00 07 02 02.
const Bytes kSmartcardProtocols{0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02};

std::optional<std::uint8_t> aes_arc(std::size_t key_length) {
  switch (key_length) {
    case 16: return 2;
    case 24: return 3;
    case 32: return 4;
    default: return std::nullopt;
  }
}

Bytes protocol_oid(std::initializer_list<std::uint8_t> arcs) {
  Bytes oid = kSmartcardProtocols;
  oid.insert(oid.end(), arcs);
  return oid;
}

std::optional<std::size_t> key_length_of(ByteView oid, std::uint8_t family) {
  const Bytes prefix = protocol_oid({family, 0x02});
  if (oid.size() != prefix.size() + 1 || !std::equal(prefix.begin(), prefix.end(), oid.begin()))
    return std::nullopt;
  switch (oid.back()) {
    case 2: return 16;
    case 3: return 24;
    case 4: return 32;
    default: return std::nullopt;
  }
}

Bytes oid_with_key_length(std::uint8_t family, std::size_t key_length) {
  const auto arc = aes_arc(key_length);
  if (!arc) fail(Errc::invalid_argument, "pace: AES key length must be 16, 24 or 32");
  return protocol_oid({family, 0x02, *arc});
}

int mrz_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  if (c == '<') return 0;
  fail(Errc::invalid_argument, "mrz: character outside 0-9, A-Z, <");
}

}  // namespace

Bytes pace_ecdh_gm_oid(std::size_t key_length) {
  return oid_with_key_length(0x04, key_length);
}
Bytes ca_ecdh_oid(std::size_t key_length) {
  return oid_with_key_length(0x03, key_length);
}
Bytes pk_ecdh_oid() {
  return protocol_oid({0x01, 0x02});
}
std::optional<std::size_t> pace_ecdh_gm_key_length(ByteView oid) {
  return key_length_of(oid, 0x04);
}
std::optional<std::size_t> ca_ecdh_key_length(ByteView oid) {
  return key_length_of(oid, 0x03);
}

std::optional<int> standardized_id(crypto::Curve c) noexcept {
  switch (c) {
    case crypto::Curve::p256: return 12;
    case crypto::Curve::brainpool_p256r1: return 13;
    case crypto::Curve::p384: return 15;
    case crypto::Curve::brainpool_p384r1: return 16;
    default: return std::nullopt;
  }
}

SecureBytes kdf(ByteView shared_secret, std::uint32_t counter, std::size_t key_length) {
  if (!aes_arc(key_length)) fail(Errc::invalid_argument, "kdf: AES key length must be 16, 24 or 32");
  SecureBytes input(shared_secret);
  put_u32(input, counter);
  const Bytes digest =
      crypto::hash(key_length == 16 ? crypto::HashAlg::sha1 : crypto::HashAlg::sha256, input.view());
  SecureBytes out(ByteView(digest).first(key_length));
  Bytes wipe_me = digest;
  secure_zero(wipe_me.data(), wipe_me.size());
  return out;
}

char mrz_check_digit(std::string_view field) {
  static constexpr int kWeights[3] = {7, 3, 1};
  int sum = 0;
  for (std::size_t i = 0; i < field.size(); ++i) sum += mrz_value(field[i]) * kWeights[i % 3];
  return static_cast<char>('0' + sum % 10);
}

SecureBytes mrz_password(std::string_view document_number, std::string_view date_of_birth,
                         std::string_view date_of_expiry) {
  if (document_number.empty() || date_of_birth.size() != 6 || date_of_expiry.size() != 6)
    fail(Errc::invalid_argument, "mrz: document number and two YYMMDD dates required");
  SecureString info;
  for (auto field : {document_number, date_of_birth, date_of_expiry}) {
    info.append(field);
    info.push_back(mrz_check_digit(field));
  }
  SecureBytes out(crypto::sha1(as_bytes(std::string_view(info.data(), info.size()))));
  wipe(info);
  return out;
}

SecureBytes password_key(ByteView f_pi, std::size_t key_length) {
  return kdf(f_pi, kKdfPassword, key_length);
}

Bytes encrypt_nonce(ByteView k_pi, ByteView s) {
  const Bytes iv(crypto::kAesBlockSize, 0);
  return crypto::aes_cbc_encrypt(k_pi, iv, s);
}

SecureBytes decrypt_nonce(ByteView k_pi, ByteView z) {
  if (z.empty() || z.size() % crypto::kAesBlockSize != 0)
    fail(Errc::parse, "pace: encrypted nonce is not whole blocks");
  const Bytes iv(crypto::kAesBlockSize, 0);
  return crypto::aes_cbc_decrypt(k_pi, iv, z);
}

crypto::EcPoint map_generator(ByteView s, const crypto::EcPoint& h) {
  return crypto::multiply_generator_add(s, h);
}

Bytes public_key_data_object(ByteView oid, const crypto::EcPoint& point) {
  Bytes inner;
  append_tlv(inner, 0x06, oid);
  append_tlv(inner, 0x86, point.to_uncompressed());
  return tlv_encode(0x7F49, inner);
}

Bytes authentication_token(ByteView k_mac, ByteView oid, const crypto::EcPoint& peer_ephemeral) {
  return crypto::aes_cmac(k_mac, public_key_data_object(oid, peer_ephemeral), 8);
}

SessionKeys session_keys(ByteView shared_secret, std::size_t key_length) {
  return {kdf(shared_secret, kKdfEnc, key_length), kdf(shared_secret, kKdfMac, key_length)};
}

}  // namespace sesame::iso7816::pace
