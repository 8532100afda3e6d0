// The terminal's side of a GlobalPlatform SCP03 secure channel (GP Card Specification 2.3 §10,
// Amendment D) over any Reader: a hosted card in process, a real card through PC/SC, a remote one
// over RACS. Opening selects the security domain, runs INITIALIZE UPDATE, checks the card
// cryptogram (and the pseudo-random card challenge when the card uses one), and authenticates
// with EXTERNAL AUTHENTICATE at the chosen security level; afterwards transmit() protects every
// command and checks every response.
#pragma once

#include <cstdint>
#include <memory>

#include "host/reader.h"
#include "iso7816/apdu.h"
#include "iso7816/scp03.h"
#include "util/bytes.h"

namespace sesame::host::gp {

// 404142434445464748494A4B4C4D4E4F three times: the GlobalPlatform test keys, sesame's
// development default for key set 30 (docs/GP.md). Never a production key.
iso7816::scp03::StaticKeys test_keys();

// A000000151000000, the GlobalPlatform Issuer Security Domain.
const Bytes& isd_aid();

struct Scp03Options {
  iso7816::scp03::StaticKeys keys = test_keys();
  std::uint8_t key_version = 0x00;  // 00: the card's first key set
  std::uint8_t security_level = iso7816::scp03::level::c_mac;
  iso7816::scp03::Mode mode = iso7816::scp03::Mode::s8;  // S16 sends a 16-byte host challenge
  Bytes sd_aid = isd_aid();  // selected first; empty: use the security domain already selected
  int channel = 0;           // logical channel 0-3 (opened by the caller)
};

class Scp03Session {
 public:
  // Throws Error(Errc::crypto) when the card cryptogram (or the pseudo-random card challenge) does
  // not verify — wrong keys, or not the card we think — and Error(Errc::state) naming the status
  // word when the card refuses SELECT, INITIALIZE UPDATE or EXTERNAL AUTHENTICATE.
  static std::unique_ptr<Scp03Session> open(Reader& reader, const Scp03Options& options);

  // One plain command (CLA with channel bits 0: they are set here) protected at the session's
  // level; the response with its R-MAC checked and decrypted. 61xx is followed with GET RESPONSE.
  // Throws Error(Errc::crypto) for a response that does not verify: the session is then unusable.
  iso7816::ResponseApdu transmit(const iso7816::CommandApdu& plain);

  std::uint8_t key_version() const { return key_version_; }
  std::uint8_t i_parameter() const { return i_; }
  std::uint8_t security_level() const { return channel_->security_level(); }
  std::uint32_t sequence_counter() const { return sequence_counter_; }
  const Bytes& key_diversification_data() const { return kdd_; }
  // K-DEK of the key set the session was opened with: it encrypts keys sent with PUT KEY.
  const SecureBytes& static_dek() const { return dek_; }

 private:
  Scp03Session(Reader& reader, int channel) : reader_(reader), channel_no_(channel) {}

  Reader& reader_;
  int channel_no_;
  std::unique_ptr<iso7816::scp03::Scp03Channel> channel_;
  bool broken_ = false;
  std::uint8_t key_version_ = 0, i_ = 0;
  std::uint32_t sequence_counter_ = 0;
  Bytes kdd_;
  SecureBytes dek_;
};

}  // namespace sesame::host::gp
