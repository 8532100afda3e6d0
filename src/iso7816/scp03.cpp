#include "iso7816/scp03.h"

#include "crypto/aes.h"
#include "crypto/cmac.h"
#include "crypto/padding.h"
#include "util/error.h"

namespace sesame::iso7816::scp03 {
namespace {

constexpr std::size_t kBlock = 16;

bool further_class(std::uint8_t cla) { return (cla & 0x40) != 0; }
std::uint8_t with_sm(std::uint8_t cla) { return further_class(cla) ? (cla | 0x20) : (cla | 0x04); }
std::uint8_t without_sm(std::uint8_t cla) {
  return further_class(cla) ? static_cast<std::uint8_t>(cla & ~0x20) : static_cast<std::uint8_t>(cla & ~0x0C);
}

void check_key(ByteView k) {
  if (k.size() != 16 && k.size() != 24 && k.size() != 32) fail(Errc::invalid_argument, "SCP03: keys are 16, 24 or 32 bytes");
}

}  // namespace

bool valid_security_level(std::uint8_t sl) {
  switch (sl) {
    case 0x00:
    case 0x01:
    case 0x03:
    case 0x11:
    case 0x13:
    case 0x31:
    case 0x33:
      return true;
    default:
      return false;
  }
}

bool response_protected(std::uint16_t sw) {
  const std::uint8_t sw1 = static_cast<std::uint8_t>(sw >> 8);
  return sw == 0x9000 || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63;
}

SecureBytes kdf(ByteView key, std::uint8_t constant, std::size_t out_bits, ByteView context) {
  check_key(key);
  if (out_bits == 0 || out_bits % 64 != 0 || out_bits > 256) fail(Errc::invalid_argument, "SCP03 KDF: L is 64..256 bits");
  Bytes input(11, 0x00);  // label: 11 zero bytes || derivation constant
  input.push_back(constant);
  input.push_back(0x00);  // separation indicator
  put_u16(input, static_cast<std::uint16_t>(out_bits));
  const std::size_t counter_at = input.size();
  input.push_back(0x00);  // i
  append(input, context);
  SecureBytes out;
  for (std::uint8_t i = 1; out.size() * 8 < out_bits; ++i) {
    input[counter_at] = i;
    Bytes block = crypto::aes_cmac(key, input);
    out.append(block);
    secure_zero(block.data(), block.size());
  }
  out.resize(out_bits / 8);
  return out;
}

SessionKeys derive_session_keys(const StaticKeys& keys, ByteView host_challenge, ByteView card_challenge) {
  check_key(keys.enc.view());
  if (keys.mac.size() != keys.enc.size()) fail(Errc::invalid_argument, "SCP03: K-ENC and K-MAC differ in length");
  const Bytes context = concat({host_challenge, card_challenge});
  const std::size_t bits = keys.enc.size() * 8;
  return {kdf(keys.enc.view(), kDeriveSEnc, bits, context), kdf(keys.mac.view(), kDeriveSMac, bits, context),
          kdf(keys.mac.view(), kDeriveSRmac, bits, context)};
}

Bytes card_cryptogram(const SessionKeys& keys, Mode mode, ByteView host_challenge, ByteView card_challenge) {
  return kdf(keys.s_mac.view(), kDeriveCardCryptogram, block_len(mode) * 8, concat({host_challenge, card_challenge})).reveal();
}

Bytes host_cryptogram(const SessionKeys& keys, Mode mode, ByteView host_challenge, ByteView card_challenge) {
  return kdf(keys.s_mac.view(), kDeriveHostCryptogram, block_len(mode) * 8, concat({host_challenge, card_challenge})).reveal();
}

Bytes pseudo_random_card_challenge(ByteView key_enc, Mode mode, std::uint32_t sequence_counter, ByteView sd_aid) {
  if (sequence_counter > 0xFFFFFF) fail(Errc::invalid_argument, "SCP03: the sequence counter has 3 bytes");
  Bytes context{static_cast<std::uint8_t>(sequence_counter >> 16), static_cast<std::uint8_t>(sequence_counter >> 8),
                static_cast<std::uint8_t>(sequence_counter)};
  append(context, sd_aid);
  return kdf(key_enc, kDeriveCardChallenge, block_len(mode) * 8, context).reveal();
}

Scp03Channel::Scp03Channel(SessionKeys keys, Mode mode, std::uint8_t security_level)
    : keys_(std::move(keys)), mode_(mode), level_(level::c_mac) {
  check_key(keys_.s_enc.view());
  check_key(keys_.s_mac.view());
  check_key(keys_.s_rmac.view());
  set_security_level(security_level);
}

void Scp03Channel::set_security_level(std::uint8_t sl) {
  if (!valid_security_level(sl)) fail(Errc::invalid_argument, "SCP03: invalid security level");
  level_ = sl;
  counter_ = 0;  // the encryption counter starts with the first command after EXTERNAL AUTHENTICATE
}

// Amendment D §6.2.6/§6.2.7: ICV = E(S-ENC, counter), the counter as 16 bytes; for responses the
// first byte is '80'.
Bytes Scp03Channel::icv(bool response) const {
  Bytes block(kBlock, 0x00);
  for (int i = 0; i < 8; ++i) block[kBlock - 1 - i] = static_cast<std::uint8_t>(counter_ >> (8 * i));
  if (response) block[0] = 0x80;
  return crypto::aes_encrypt_block(keys_.s_enc.view(), block);
}

// Amendment D §6.2.4: C-MAC = CMAC(S-MAC, MCV || CLA INS P1 P2 Lc || data), Lc counting the MAC;
// the full 16-byte result is the next MAC chaining value (the caller adopts it once it is accepted).
Bytes Scp03Channel::command_mac(const CommandApdu& h, ByteView data, bool extended_lc) const {
  const std::size_t lc = data.size() + block_len(mode_);
  Bytes input = mcv_;
  input.insert(input.end(), {h.cla, h.ins, h.p1, h.p2});
  if (extended_lc) {
    input.push_back(0x00);
    put_u16(input, static_cast<std::uint16_t>(lc));
  } else {
    input.push_back(static_cast<std::uint8_t>(lc));
  }
  append(input, data);
  return crypto::aes_cmac(keys_.s_mac.view(), input);
}

// Amendment D §6.2.5: R-MAC = CMAC(S-RMAC, MCV || response data || SW1 SW2).
Bytes Scp03Channel::response_mac(ByteView data, std::uint16_t sw) const {
  Bytes input = mcv_;
  append(input, data);
  put_u16(input, sw);
  return crypto::aes_cmac(keys_.s_rmac.view(), input, block_len(mode_));
}

CommandApdu Scp03Channel::wrap_command(const CommandApdu& plain) {
  ++counter_;
  CommandApdu out = plain;
  if ((level_ & level::c_decryption) && !plain.data.empty()) {
    const Bytes padded = crypto::iso9797_pad(crypto::Iso9797Padding::method2, plain.data, kBlock);
    out.data = crypto::aes_cbc_encrypt(keys_.s_enc.view(), icv(false), padded);
  }
  if (!(level_ & level::c_mac)) return out;
  out.cla = with_sm(plain.cla);
  const std::size_t lc = out.data.size() + block_len(mode_);
  if (lc > 65535) fail(Errc::invalid_argument, "SCP03: command data too long");
  out.extended = plain.extended || lc > 255;
  mcv_ = command_mac(out, out.data, out.extended);
  append(out.data, ByteView(mcv_).first(block_len(mode_)));
  return out;
}

ResponseApdu Scp03Channel::unwrap_response(const ResponseApdu& r) {
  if (!(level_ & level::r_mac) || !response_protected(r.sw)) return r;
  const std::size_t n = block_len(mode_);
  if (r.data.size() < n) fail(Errc::crypto, "SCP03: response without R-MAC");
  const ByteView body = ByteView(r.data).first(r.data.size() - n);
  const Bytes expected = response_mac(body, r.sw);
  if (!secure_equal(expected, ByteView(r.data).last(n))) fail(Errc::crypto, "SCP03: R-MAC does not verify");
  ResponseApdu out{Bytes(body.begin(), body.end()), r.sw};
  if ((level_ & level::r_encryption) && !out.data.empty()) {
    if (out.data.size() % kBlock != 0) fail(Errc::crypto, "SCP03: encrypted response is not whole blocks");
    const SecureBytes padded = crypto::aes_cbc_decrypt(keys_.s_enc.view(), icv(true), out.data);
    try {
      out.data = crypto::iso9797_unpad_method2(padded, kBlock).reveal();
    } catch (const Error&) {
      fail(Errc::crypto, "SCP03: bad padding in an encrypted response");
    }
  }
  return out;
}

CommandApdu Scp03Channel::unwrap_command(const CommandApdu& wrapped) {
  ++counter_;
  if (!(level_ & level::c_mac)) {
    if (wrapped.secure_messaging()) fail(Errc::crypto, "SCP03: secure messaging at security level 00");
    return wrapped;
  }
  if (!wrapped.secure_messaging()) fail(Errc::crypto, "SCP03: command without C-MAC");
  const std::size_t n = block_len(mode_);
  if (wrapped.data.size() < n) fail(Errc::crypto, "SCP03: command shorter than its C-MAC");
  const ByteView body = ByteView(wrapped.data).first(wrapped.data.size() - n);
  Bytes mac = command_mac(wrapped, body, wrapped.extended);
  if (!secure_equal(ByteView(mac).first(n), ByteView(wrapped.data).last(n))) fail(Errc::crypto, "SCP03: C-MAC does not verify");
  mcv_ = std::move(mac);
  CommandApdu out = wrapped;
  out.cla = without_sm(wrapped.cla);
  out.data.assign(body.begin(), body.end());
  if ((level_ & level::c_decryption) && !out.data.empty()) {
    if (out.data.size() % kBlock != 0) fail(Errc::crypto, "SCP03: encrypted command is not whole blocks");
    const SecureBytes padded = crypto::aes_cbc_decrypt(keys_.s_enc.view(), icv(false), out.data);
    try {
      out.data = crypto::iso9797_unpad_method2(padded, kBlock).reveal();
    } catch (const Error&) {
      fail(Errc::crypto, "SCP03: bad padding in an encrypted command");
    }
  }
  return out;
}

ResponseApdu Scp03Channel::wrap_response(const ResponseApdu& plain) {
  if (!(level_ & level::r_mac) || !response_protected(plain.sw)) return plain;
  ResponseApdu out = plain;
  if ((level_ & level::r_encryption) && !plain.data.empty()) {
    const Bytes padded = crypto::iso9797_pad(crypto::Iso9797Padding::method2, plain.data, kBlock);
    out.data = crypto::aes_cbc_encrypt(keys_.s_enc.view(), icv(true), padded);
  }
  append(out.data, response_mac(out.data, out.sw));
  return out;
}

}  // namespace sesame::iso7816::scp03
