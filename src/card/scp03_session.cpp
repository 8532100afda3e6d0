#include "card/scp03_session.h"

#include "card/key_set.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::card {
namespace {

using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;
namespace scp03 = iso7816::scp03;

constexpr std::uint32_t kMaxSequenceCounter = 0xFFFFFF;
// i = 70 (S8) / 71 (S16): pseudo-random card challenge, R-MAC and R-ENCRYPTION supported.
constexpr std::uint8_t kParamI = scp03::kParamPseudoRandom | scp03::kParamRMac | scp03::kParamREnc;

}  // namespace

std::size_t Scp03Session::response_overhead() const {
  if (!authenticated()) return 0;
  const std::uint8_t sl = channel_->security_level();
  std::size_t n = 0;
  if (sl & scp03::level::r_mac) n += scp03::block_len(channel_->mode());
  if (sl & scp03::level::r_encryption) n += 16;  // ISO/IEC 9797-1 method 2 padding, at most a block
  return n;
}

void Scp03Session::close() {
  state_ = State::none;
  kvn_ = 0;
  channel_.reset();
  host_challenge_.clear();
  card_challenge_.clear();
  secure_zero(host_cryptogram_.data(), host_cryptogram_.size());
  host_cryptogram_.clear();
}

ResponseApdu Scp03Session::initialize_update(const CommandApdu& apdu, AppletContext& ctx, ByteView kdd) {
  close();  // a new INITIALIZE UPDATE ends any session on this channel (GP §10.3.1)
  if (apdu.p2 != 0x00) throw_sw(Sw::incorrect_p1p2);
  scp03::Mode mode;
  if (apdu.data.size() == 8) {
    mode = scp03::Mode::s8;
  } else if (apdu.data.size() == 16) {
    mode = scp03::Mode::s16;
  } else {
    throw_sw(Sw::wrong_length);
  }
  Persistent& p = ctx.persistent();
  std::uint8_t kvn = apdu.p1;
  if (kvn == 0x00) {  // the first available key set
    const auto versions = key_versions(p);
    if (versions.empty()) throw_sw(Sw::referenced_data_not_found);
    kvn = versions.front();
  }
  const auto keys = load_key_set(p, kvn);
  if (!keys) throw_sw(Sw::referenced_data_not_found);
  if (authentication_failures(p, kvn) >= kMaxAuthenticationFailures) throw_sw(Sw::authentication_method_blocked);

  // The sequence counter moves on and is durable before any challenge derived from it leaves the card.
  const std::uint32_t seq = sequence_counter(p, kvn) + 1;
  if (seq > kMaxSequenceCounter) throw_sw(Sw::conditions_not_satisfied);
  SecureBytes seq_bytes{static_cast<std::uint8_t>(seq >> 16), static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq)};
  p.put_now(sequence_counter_record(kvn), seq_bytes);

  host_challenge_ = apdu.data;
  card_challenge_ = scp03::pseudo_random_card_challenge(keys->enc.view(), mode, seq, ctx.instance_aid());
  scp03::SessionKeys sk = scp03::derive_session_keys(*keys, host_challenge_, card_challenge_);
  const Bytes card_cryptogram = scp03::card_cryptogram(sk, mode, host_challenge_, card_challenge_);
  host_cryptogram_ = scp03::host_cryptogram(sk, mode, host_challenge_, card_challenge_);
  channel_ = std::make_unique<scp03::Scp03Channel>(std::move(sk), mode, scp03::level::c_mac);
  state_ = State::initialized;
  kvn_ = kvn;

  // Amendment D §7.1.1.3: KDD (10) || key information (KVN, 03, i) || card challenge ||
  // card cryptogram || sequence counter (3).
  ResponseApdu r;
  r.data.assign(kdd.begin(), kdd.end());
  r.data.resize(10, 0x00);
  r.data.push_back(kvn);
  r.data.push_back(0x03);
  r.data.push_back(static_cast<std::uint8_t>(kParamI | (mode == scp03::Mode::s16 ? scp03::kParamS16 : 0)));
  append(r.data, card_challenge_);
  append(r.data, card_cryptogram);
  append(r.data, seq_bytes.view());
  return r;
}

ResponseApdu Scp03Session::external_authenticate(const CommandApdu& apdu, AppletContext& ctx) {
  if (state_ != State::initialized) {
    close();
    throw_sw(Sw::conditions_not_satisfied);
  }
  // Counted as a failure first, durably, so that a tear after the check cannot hide a wrong guess.
  Persistent& p = ctx.persistent();
  const std::uint8_t failures = authentication_failures(p, kvn_);
  if (failures >= kMaxAuthenticationFailures) {  // blocked since INITIALIZE UPDATE (another channel)
    close();
    throw_sw(Sw::authentication_method_blocked);
  }
  p.put_now(authentication_failures_record(kvn_), SecureBytes{static_cast<std::uint8_t>(failures + 1)});
  CommandApdu plain;
  try {
    plain = channel_->unwrap_command(apdu);
  } catch (const Error&) {
    close();
    throw_sw(Sw::security_status_not_satisfied);
  }
  if (plain.p2 != 0x00 || !scp03::valid_security_level(plain.p1)) {
    close();
    throw_sw(Sw::incorrect_p1p2);
  }
  if (plain.data.size() != host_cryptogram_.size() || !secure_equal(plain.data, host_cryptogram_)) {
    close();
    throw_sw(Sw::warning_verification_failed);  // 6300: authentication of the host cryptogram failed
  }
  p.put(authentication_failures_record(kvn_), SecureBytes{0x00});
  channel_->set_security_level(plain.p1);
  secure_zero(host_cryptogram_.data(), host_cryptogram_.size());
  host_cryptogram_.clear();
  state_ = State::authenticated;
  return {};
}

CommandApdu Scp03Session::unwrap(const CommandApdu& apdu) {
  if (!authenticated()) fail(Errc::state, "SCP03: no authenticated session");
  try {
    return channel_->unwrap_command(apdu);
  } catch (const Error&) {
    close();
    throw_sw(Sw::security_status_not_satisfied);
  }
}

ResponseApdu Scp03Session::wrap(const ResponseApdu& response) {
  if (!authenticated()) return response;
  return channel_->wrap_response(response);
}

}  // namespace sesame::card
