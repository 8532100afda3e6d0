// GlobalPlatform Secure Channel Protocol '03' (GP Card Specification 2.3, Amendment D v1.1/1.2):
// the protocol math shared by the card (the ISD) and the terminal (host/gp). AES-128/192/256
// static keys; S8 mode (8-byte challenges, cryptograms and MACs) and S16 mode (16 bytes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "iso7816/apdu.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::iso7816::scp03 {

// Amendment D §5.1, the "i" parameter: b1 S16 mode, b4 pseudo-random card challenge, b5 R-MAC
// support, b6 R-ENCRYPTION support.
enum class Mode { s8, s16 };
constexpr std::size_t block_len(Mode m) { return m == Mode::s8 ? 8 : 16; }  // challenge/cryptogram/MAC
inline constexpr std::uint8_t kParamS16 = 0x01;
inline constexpr std::uint8_t kParamPseudoRandom = 0x10;
inline constexpr std::uint8_t kParamRMac = 0x20;
inline constexpr std::uint8_t kParamREnc = 0x40;

// Amendment D §6.2.2 Table 6-1: derivation constants.
inline constexpr std::uint8_t kDeriveCardCryptogram = 0x00;
inline constexpr std::uint8_t kDeriveHostCryptogram = 0x01;
inline constexpr std::uint8_t kDeriveCardChallenge = 0x02;
inline constexpr std::uint8_t kDeriveSEnc = 0x04;
inline constexpr std::uint8_t kDeriveSMac = 0x06;
inline constexpr std::uint8_t kDeriveSRmac = 0x07;

// Security level (EXTERNAL AUTHENTICATE P1, Amendment D §7.1.2.1).
namespace level {
inline constexpr std::uint8_t none = 0x00;  // authenticated, no protection
inline constexpr std::uint8_t c_mac = 0x01;
inline constexpr std::uint8_t c_decryption = 0x02;
inline constexpr std::uint8_t r_mac = 0x10;
inline constexpr std::uint8_t r_encryption = 0x20;
}  // namespace level
// 00, 01, 03, 11, 13, 31, 33: C-DECRYPTION needs C-MAC, R-ENCRYPTION needs R-MAC, and R-MAC
// needs C-MAC (its chaining value).
bool valid_security_level(std::uint8_t sl);

// NIST SP 800-108 KDF in counter mode with AES-CMAC as the PRF, data laid out as Amendment D
// §6.2.1: label (11 zero bytes || constant) || 00 || L (2 bytes, bits) || i (1 byte) || context.
// out_bits is 64, 128, 192 or 256.
SecureBytes kdf(ByteView key, std::uint8_t constant, std::size_t out_bits, ByteView context);

struct StaticKeys {
  SecureBytes enc, mac, dek;  // all 16, 24 or 32 bytes, the same length
};
struct SessionKeys {
  SecureBytes s_enc, s_mac, s_rmac;
};

// Amendment D §6.2.1: context = host challenge || card challenge; keys as long as the static ones.
SessionKeys derive_session_keys(const StaticKeys& keys, ByteView host_challenge, ByteView card_challenge);
// Amendment D §6.2.2.2/§6.2.2.3: card and host cryptograms (8 or 16 bytes by mode).
Bytes card_cryptogram(const SessionKeys& keys, Mode mode, ByteView host_challenge, ByteView card_challenge);
Bytes host_cryptogram(const SessionKeys& keys, Mode mode, ByteView host_challenge, ByteView card_challenge);
// Amendment D §6.2.2.1: card challenge = KDF(K-ENC, 02, context = sequence counter (3 bytes) || AID).
Bytes pseudo_random_card_challenge(ByteView key_enc, Mode mode, std::uint32_t sequence_counter, ByteView sd_aid);

// The session state of one side after the cryptograms: MAC chaining value, encryption counter.
// The host calls wrap_command / unwrap_response, the card unwrap_command / wrap_response, in
// strict alternation. Any refusal (a MAC that does not verify, a malformed protected command)
// throws Error(Errc::crypto) / Error(Errc::parse); the caller must then drop the channel.
class Scp03Channel {
 public:
  // EXTERNAL AUTHENTICATE itself is protected with C-MAC: start with level::c_mac and call
  // set_security_level(P1) once it has been accepted.
  Scp03Channel(SessionKeys keys, Mode mode, std::uint8_t security_level = level::c_mac);

  Mode mode() const { return mode_; }
  std::uint8_t security_level() const { return level_; }
  // Also restarts the encryption counter: the first command after EXTERNAL AUTHENTICATE uses 1.
  void set_security_level(std::uint8_t sl);

  // Host: C-DECRYPTION (encrypt the data field) and C-MAC as the security level asks. The CLA gets
  // its secure messaging bit. Nc + padding + MAC over 255 bytes makes an extended APDU.
  CommandApdu wrap_command(const CommandApdu& plain);
  // Host: verify the R-MAC and decrypt (R-ENCRYPTION). Error status words carry no R-MAC.
  ResponseApdu unwrap_response(const ResponseApdu& protected_response);

  // Card: verify the C-MAC (before anything else) and decrypt. A command without the secure
  // messaging bit while the level includes C-MAC is refused too.
  CommandApdu unwrap_command(const CommandApdu& wrapped);
  // Card: R-ENCRYPTION and R-MAC for 9000 / 61xx / 62xx / 63xx; error status words go unchanged.
  ResponseApdu wrap_response(const ResponseApdu& plain);

 private:
  Bytes icv(bool response) const;
  Bytes command_mac(const CommandApdu& header_and_data, ByteView data, bool extended_lc) const;
  Bytes response_mac(ByteView data, std::uint16_t sw) const;

  SessionKeys keys_;
  Mode mode_;
  std::uint8_t level_;
  Bytes mcv_ = Bytes(16, 0);     // MAC chaining value (the last full C-MAC)
  std::uint64_t counter_ = 0;    // encryption counter, one step per command
};

// True when a response of this status word is protected (R-MAC/R-ENC apply).
bool response_protected(std::uint16_t sw);

}  // namespace sesame::iso7816::scp03
