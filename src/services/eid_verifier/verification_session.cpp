#include "services/eid_verifier/verification_session.h"

#include <algorithm>

#include "iso7816/pace.h"
#include "iso7816/security_infos.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::services::eid {
namespace {

using iso7816::CommandApdu;
using iso7816::ResponseApdu;
namespace pace = iso7816::pace;

// Under SM the wrapped answer must fit a short Le = 00 answer (as host/eid/eid_terminal.cpp).
constexpr std::size_t kChunk = 0xDF;
constexpr std::size_t kMaxFile = 0x7FFF;

struct FileToRead {
  std::uint8_t sfi;
  const char* name;
  Bytes EidReadout::*field;
};
const FileToRead kFiles[] = {
    {0x01, "DG1", &EidReadout::dg1},
    {0x0D, "DG13", &EidReadout::dg13},
    {0x1D, "EF.SOD", &EidReadout::ef_sod},
};
constexpr std::size_t kFileCount = sizeof(kFiles) / sizeof(kFiles[0]);

}  // namespace

VerificationSession::VerificationSession(host::eid::EidHandover handover,
                                         std::function<crypto::EcPrivateKey(crypto::Curve)> ephemeral) {
  const iso7816::SecurityInfos infos = iso7816::parse_dg14(handover.dg14);
  for (const auto& ca : infos.chip_authentication) {
    const auto len = pace::ca_ecdh_key_length(ca.protocol);
    if (len && ca.version == 1) {
      ca_oid_ = ca.protocol;
      key_length_ = *len;
      break;
    }
  }
  if (ca_oid_.empty() || infos.chip_authentication_keys.empty())
    fail(Errc::not_found, "DG14 has no usable ChipAuthenticationInfo (v1, ECDH, AES) and key");
  card_key_ = iso7816::ca_public_key(infos.chip_authentication_keys.front());
  ephemeral_ = ephemeral ? ephemeral(card_key_->curve()) : crypto::EcPrivateKey::generate(card_key_->curve());
  sm_ = std::make_unique<iso7816::SecureMessaging>(std::move(handover.k_enc), std::move(handover.k_mac));
  sm_->set_ssc(handover.ssc);
  readout_.dg14 = std::move(handover.dg14);
}

VerificationSession::~VerificationSession() = default;

SessionStep VerificationSession::fail_with(std::string reason) {
  phase_ = Phase::failed;
  failure_ = std::move(reason);
  sm_.reset();
  ephemeral_.reset();
  return {SessionStep::Kind::failed, {}, failure_};
}

SessionStep VerificationSession::command(const CommandApdu& plain) {
  ++commands_;
  return {SessionStep::Kind::command, sm_->wrap_command(plain).encode(), {}};
}

Bytes VerificationSession::first_command() {
  if (phase_ != Phase::start) fail(Errc::state, "eID session: already started");
  phase_ = Phase::set_at;
  // ICAO 9303-11 §6.2.4.2 (AES): MSE:Set AT with the CA protocol OID.
  return command({0x00, 0x22, 0x41, 0xA4, tlv_encode(0x80, ca_oid_), 0, false}).command;
}

SessionStep VerificationSession::on_response(ByteView raw) {
  if (phase_ == Phase::done || phase_ == Phase::failed || phase_ == Phase::start)
    return fail_with("eID session: no command is waiting for an answer");
  const bool under_ca = phase_ == Phase::read;
  ResponseApdu r;
  try {
    r = sm_->unwrap_response(ResponseApdu::parse(raw));
  } catch (const Error& e) {
    // A plain 6987/6988 (the card did not accept our MAC: not the PACE session it runs), an altered
    // answer, or an answer from a chip that does not hold DG14's key all end here.
    return fail_with(under_ca
                         ? std::string("secure messaging: the answer does not verify under the Chip "
                                       "Authentication keys (another chip, or altered): ") +
                               e.what()
                         : std::string("secure messaging: the answer does not verify under the handed-over "
                                       "PACE keys (no PACE session, another card, or altered): ") +
                               e.what());
  }
  switch (phase_) {
    case Phase::set_at:
      if (r.sw != 0x9000)
        return fail_with(
            "Chip Authentication: MSE:Set AT refused (" + iso7816::sw_name(r.sw) +
            (r.sw == 0x6985 ? ": Chip Authentication was already done on this PACE session" : "") + ")");
      phase_ = Phase::general_authenticate;
      return command({0x00, 0x86, 0x00, 0x00,
                      tlv_encode(0x7C, tlv_encode(0x80, ephemeral_->public_key().to_uncompressed_point())),
                      256, false});
    case Phase::general_authenticate: {
      if (r.sw != 0x9000)
        return fail_with("Chip Authentication: GENERAL AUTHENTICATE refused (" + iso7816::sw_name(r.sw) +
                         ")");
      // The answer came under the PACE keys; from now on only the holder of DG14's private key can
      // answer (ICAO 9303-11 §6.2.4.2: SSC = 0 with the new keys).
      const SecureBytes k = crypto::ecdh(*ephemeral_, *card_key_);
      pace::SessionKeys keys = pace::session_keys(k.view(), key_length_);
      sm_ = std::make_unique<iso7816::SecureMessaging>(std::move(keys.k_enc), std::move(keys.k_mac));
      ephemeral_.reset();
      phase_ = Phase::read;
      file_ = 0;
      content_.clear();
      total_ = 0;
      return read_next();
    }
    case Phase::read: return after_read(r);
    default: return fail_with("eID session: unexpected state");
  }
}

SessionStep VerificationSession::read_next() {
  const FileToRead& f = kFiles[file_];
  if (content_.empty())
    return command({0x00, 0xB0, static_cast<std::uint8_t>(0x80 | f.sfi), 0x00, {}, kChunk, false});
  const std::size_t offset = content_.size();
  const std::size_t want = std::min(kChunk, total_ - offset);
  return command({0x00,
                  0xB0,
                  static_cast<std::uint8_t>(offset >> 8),
                  static_cast<std::uint8_t>(offset),
                  {},
                  want,
                  false});
}

SessionStep VerificationSession::after_read(const ResponseApdu& r) {
  const FileToRead& f = kFiles[file_];
  if (r.sw != 0x9000 && r.sw != 0x6282)
    return fail_with(std::string("reading ") + f.name + ": the card refused (" + iso7816::sw_name(r.sw) +
                     ")");
  if (r.data.empty()) return fail_with(std::string("reading ") + f.name + ": empty answer");
  const bool first = content_.empty();
  append(content_, r.data);
  if (first) {
    try {
      total_ = parse_tlv_header(content_).total_size();
    } catch (const Error&) {
      return fail_with(std::string("reading ") + f.name + ": not a TLV object");
    }
    if (total_ > kMaxFile) return fail_with(std::string("reading ") + f.name + ": above 32767 bytes");
  }
  if (content_.size() > total_)
    return fail_with(std::string("reading ") + f.name + ": longer than its TLV length");
  if (content_.size() < total_) {
    if (!first && r.data.size() < std::min(kChunk, total_ - (content_.size() - r.data.size())))
      return fail_with(std::string("reading ") + f.name + ": the file ends before its TLV length");
    return read_next();
  }
  readout_.*(f.field) = std::move(content_);
  content_.clear();
  total_ = 0;
  if (++file_ < kFileCount) return read_next();
  phase_ = Phase::done;
  sm_.reset();
  return {SessionStep::Kind::done, {}, {}};
}

}  // namespace sesame::services::eid
