#include "host/gp/scp03_session.h"

#include "crypto/random.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::host::gp {
namespace {

namespace scp03 = iso7816::scp03;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;

[[noreturn]] void refused(const char* what, std::uint16_t sw) {
  fail(Errc::state, std::string("SCP03: ") + what + " refused: " + iso7816::sw_name(sw));
}

std::uint8_t cla(std::uint8_t base, int channel) { return iso7816::cla_with_channel(base, channel); }

}  // namespace

scp03::StaticKeys test_keys() {
  SecureBytes k;
  for (std::uint8_t b = 0x40; b <= 0x4F; ++b) k.push_back(b);
  return {k, k, k};
}

const Bytes& isd_aid() {
  static const Bytes aid = from_hex("A000000151000000");
  return aid;
}

std::unique_ptr<Scp03Session> Scp03Session::open(Reader& reader, const Scp03Options& o) {
  if (!scp03::valid_security_level(o.security_level)) fail(Errc::invalid_argument, "SCP03: invalid security level");
  std::unique_ptr<Scp03Session> s(new Scp03Session(reader, o.channel));
  if (!o.sd_aid.empty()) {
    const ResponseApdu sel = reader.transmit(CommandApdu{cla(0x00, o.channel), 0xA4, 0x04, 0x00, o.sd_aid, 256, false});
    // 6283: the ISD of a CARD_LOCKED card (GP Table 11-88) is selected and can still be managed.
    if (!sel.ok() && sel.sw != 0x6283) refused("SELECT of the security domain", sel.sw);
  }
  const std::size_t n = scp03::block_len(o.mode);
  const Bytes host_challenge = crypto::random_bytes(n);
  const ResponseApdu iu = reader.transmit(CommandApdu{cla(0x80, o.channel), 0x50, o.key_version, 0x00, host_challenge, 256, false});
  if (!iu.ok()) refused("INITIALIZE UPDATE", iu.sw);
  // KDD (10) || key information (3) || card challenge (n) || card cryptogram (n) [|| sequence counter (3)]
  if (iu.data.size() != 13 + 2 * n && iu.data.size() != 16 + 2 * n) fail(Errc::parse, "SCP03: INITIALIZE UPDATE response of unexpected length");
  const ByteView d = iu.data;
  if (d[11] != 0x03) fail(Errc::state, "SCP03: the card answered for SCP " + to_hex(d.subspan(11, 1)));
  s->kdd_.assign(d.begin(), d.begin() + 10);
  s->key_version_ = d[10];
  s->i_ = d[12];
  if (((s->i_ & scp03::kParamS16) != 0) != (o.mode == scp03::Mode::s16)) fail(Errc::parse, "SCP03: the card answered in the other mode");
  const Bytes card_challenge(d.begin() + 13, d.begin() + 13 + static_cast<std::ptrdiff_t>(n));
  const ByteView card_cryptogram = d.subspan(13 + n, n);
  scp03::SessionKeys sk = scp03::derive_session_keys(o.keys, host_challenge, card_challenge);
  if (!secure_equal(scp03::card_cryptogram(sk, o.mode, host_challenge, card_challenge), card_cryptogram))
    fail(Errc::crypto, "SCP03: the card cryptogram does not verify (wrong keys?)");
  if (d.size() == 16 + 2 * n) {
    s->sequence_counter_ = (std::uint32_t{d[13 + 2 * n]} << 16) | (std::uint32_t{d[14 + 2 * n]} << 8) | d[15 + 2 * n];
    // Amendment D §6.2.2.1: a pseudo-random challenge is reproducible from K-ENC, the counter and the AID.
    if ((s->i_ & scp03::kParamPseudoRandom) && !o.sd_aid.empty() &&
        !secure_equal(scp03::pseudo_random_card_challenge(o.keys.enc.view(), o.mode, s->sequence_counter_, o.sd_aid), card_challenge))
      fail(Errc::crypto, "SCP03: the pseudo-random card challenge does not verify");
  }
  const Bytes host_cryptogram = scp03::host_cryptogram(sk, o.mode, host_challenge, card_challenge);
  s->channel_ = std::make_unique<scp03::Scp03Channel>(std::move(sk), o.mode, scp03::level::c_mac);
  const CommandApdu ea{cla(0x80, o.channel), 0x82, o.security_level, 0x00, host_cryptogram, 0, false};
  const ResponseApdu r = reader.transmit(s->channel_->wrap_command(ea));
  if (!r.ok()) refused("EXTERNAL AUTHENTICATE", r.sw);
  s->channel_->set_security_level(o.security_level);
  s->dek_ = o.keys.dek;
  return s;
}

ResponseApdu Scp03Session::transmit(const CommandApdu& plain) {
  if (broken_) fail(Errc::state, "SCP03: the session was broken by a response that did not verify");
  CommandApdu c = plain;
  c.cla = cla(plain.cla, channel_no_);
  const CommandApdu wrapped = channel_->wrap_command(c);
  const ResponseApdu r = reader_.transmit(wrapped);
  try {
    return channel_->unwrap_response(r);
  } catch (...) {
    broken_ = true;
    throw;
  }
}

}  // namespace sesame::host::gp
