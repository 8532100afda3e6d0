// The card's side of an SCP03 secure channel on one logical channel of the Issuer Security Domain
// (GP Card Specification 2.3 §10, Amendment D §7): INITIALIZE UPDATE, EXTERNAL AUTHENTICATE, then
// the unwrapping of every command and the protection of every response at the security level the
// host chose. Kept in the ISD's per-channel session (docs/GP.md has the status words).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "card/applet.h"
#include "iso7816/apdu.h"
#include "iso7816/scp03.h"

namespace sesame::card {

class Scp03Session {
 public:
  enum class State { none, initialized, authenticated };

  State state() const { return state_; }
  bool authenticated() const { return state_ == State::authenticated; }
  std::uint8_t security_level() const { return channel_ ? channel_->security_level() : 0; }
  // The key set the session was opened with (its K-DEK decrypts PUT KEY data).
  std::uint8_t key_version() const { return kvn_; }
  // Bytes R-MAC and R-ENCRYPTION may add to a response of n bytes (to keep answers within Ne).
  std::size_t response_overhead() const;
  void close();

  // INITIALIZE UPDATE (80 50 KVN 00, host challenge of 8 bytes (S8) or 16 bytes (S16)).
  // `kdd` is the key diversification data (10 bytes). Makes the key set's sequence counter
  // durable (put_now) before it answers. Status words: 6A88 unknown key version, 6700 length,
  // 6A86 P2, 6985 sequence counter exhausted, 6983 key set blocked.
  iso7816::ResponseApdu initialize_update(const iso7816::CommandApdu& apdu, AppletContext& ctx, ByteView kdd);
  // EXTERNAL AUTHENTICATE (84 82 SL 00, host cryptogram || C-MAC). 6985 without INITIALIZE
  // UPDATE, 6982 for a wrong C-MAC, 6300 for a wrong host cryptogram, 6A86 for an invalid
  // security level; the session is closed on every failure. The key set's failure counter is
  // incremented and made durable (put_now) before the C-MAC and the cryptogram are checked, and
  // reset on success; INITIALIZE UPDATE answers 6983 once it reaches kMaxAuthenticationFailures.
  iso7816::ResponseApdu external_authenticate(const iso7816::CommandApdu& apdu, AppletContext& ctx);

  // In an authenticated session: the plain command (6982 and the session closed when the C-MAC
  // does not verify, the command is not protected as the level demands, or does not decrypt).
  iso7816::CommandApdu unwrap(const iso7816::CommandApdu& apdu);
  iso7816::ResponseApdu wrap(const iso7816::ResponseApdu& response);

 private:
  State state_ = State::none;
  std::uint8_t kvn_ = 0;
  std::unique_ptr<iso7816::scp03::Scp03Channel> channel_;
  Bytes host_challenge_, card_challenge_;
  Bytes host_cryptogram_;  // expected (not secret once the session is used, but compared in constant time)
};

}  // namespace sesame::card
