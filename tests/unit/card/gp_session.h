// The terminal's half of an SCP03 session, written with the iso7816::scp03 math against a
// CardFixture (card tests may not use host/): INITIALIZE UPDATE, card cryptogram check, EXTERNAL
// AUTHENTICATE, then wrapped commands and unwrapped responses.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "card/key_set.h"
#include "card_fixture.h"
#include "crypto/random.h"
#include "iso7816/scp03.h"
#include "util/hex.h"

namespace sesame::card::testing {

class GpSession {
 public:
  explicit GpSession(CardFixture& card, iso7816::scp03::StaticKeys keys = gp_test_keys()) : card_(card), keys_(std::move(keys)) {}

  // INITIALIZE UPDATE on `channel` (CLA 80 | channel); verifies the card cryptogram when 9000.
  iso7816::ResponseApdu initialize_update(std::uint8_t kvn = 0x30, iso7816::scp03::Mode mode = iso7816::scp03::Mode::s8,
                                          int channel = 0) {
    namespace s = iso7816::scp03;
    channel_no_ = channel;
    mode_ = mode;
    host_challenge_ = crypto::random_bytes(s::block_len(mode));
    const iso7816::CommandApdu iu{static_cast<std::uint8_t>(0x80 | channel), 0x50, kvn, 0x00, host_challenge_, 256, false};
    iso7816::ResponseApdu r = iso7816::ResponseApdu::parse(card_.service->transmit(card_.seid, iu.encode()));
    if (r.sw != 0x9000) return r;
    const std::size_t n = s::block_len(mode);
    EXPECT_EQ(r.data.size(), 10 + 3 + 2 * n + 3);
    card_challenge_.assign(r.data.begin() + 13, r.data.begin() + 13 + static_cast<std::ptrdiff_t>(n));
    const Bytes cryptogram(r.data.begin() + 13 + static_cast<std::ptrdiff_t>(n), r.data.begin() + 13 + 2 * static_cast<std::ptrdiff_t>(n));
    s::SessionKeys sk = s::derive_session_keys(keys_, host_challenge_, card_challenge_);
    card_cryptogram_ok_ = s::card_cryptogram(sk, mode, host_challenge_, card_challenge_) == cryptogram;
    host_cryptogram_ = s::host_cryptogram(sk, mode, host_challenge_, card_challenge_);
    channel_ = std::make_unique<s::Scp03Channel>(std::move(sk), mode);
    return r;
  }

  // EXTERNAL AUTHENTICATE at `sl`; corrupt_cryptogram flips a bit of the host cryptogram (the C-MAC
  // is computed over the corrupted value, so only the cryptogram check can refuse it).
  std::uint16_t external_authenticate(std::uint8_t sl, bool corrupt_cryptogram = false) {
    Bytes hc = host_cryptogram_;
    if (corrupt_cryptogram) hc[0] ^= 0x01;
    const iso7816::CommandApdu ea{static_cast<std::uint8_t>(0x80 | channel_no_), 0x82, sl, 0x00, hc, 0, false};
    last_wrapped_ = channel_->wrap_command(ea).encode();
    const auto r = iso7816::ResponseApdu::parse(card_.service->transmit(card_.seid, last_wrapped_));
    if (r.sw == 0x9000) channel_->set_security_level(sl);
    return r.sw;
  }

  // INITIALIZE UPDATE + EXTERNAL AUTHENTICATE; both must succeed.
  void open(std::uint8_t sl = 0x01, iso7816::scp03::Mode mode = iso7816::scp03::Mode::s8, int channel = 0,
            std::uint8_t kvn = 0x30) {
    ASSERT_EQ(initialize_update(kvn, mode, channel).sw, 0x9000);
    ASSERT_TRUE(card_cryptogram_ok_);
    ASSERT_EQ(external_authenticate(sl), 0x9000);
  }

  // A plain command (hex, CLA for channel 0) wrapped, sent, and its response unwrapped.
  iso7816::ResponseApdu tx(const std::string& plain_hex) {
    iso7816::CommandApdu c = iso7816::CommandApdu::parse(from_hex(plain_hex));
    c.cla = static_cast<std::uint8_t>(c.cla | channel_no_);
    last_wrapped_ = channel_->wrap_command(c).encode();
    return channel_->unwrap_response(iso7816::ResponseApdu::parse(card_.service->transmit(card_.seid, last_wrapped_)));
  }
  std::uint16_t sw(const std::string& plain_hex) { return tx(plain_hex).sw; }
  std::string data(const std::string& plain_hex) {
    auto r = tx(plain_hex);
    EXPECT_EQ(r.sw, 0x9000) << plain_hex;
    return to_hex(r.data);
  }
  // The last wrapped command as sent (for replays).
  const Bytes& last_wrapped() const { return last_wrapped_; }
  bool card_cryptogram_ok() const { return card_cryptogram_ok_; }
  const Bytes& card_challenge() const { return card_challenge_; }

 private:
  CardFixture& card_;
  iso7816::scp03::StaticKeys keys_;
  int channel_no_ = 0;
  iso7816::scp03::Mode mode_ = iso7816::scp03::Mode::s8;
  Bytes host_challenge_, card_challenge_, host_cryptogram_, last_wrapped_;
  bool card_cryptogram_ok_ = false;
  std::unique_ptr<iso7816::scp03::Scp03Channel> channel_;
};

}  // namespace sesame::card::testing
