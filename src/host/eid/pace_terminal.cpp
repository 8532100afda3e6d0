// EidTerminal::pace: the terminal's four GENERAL AUTHENTICATE steps (ICAO 9303-11 §4.4.4).
#include "host/eid/eid_terminal.h"
#include "iso7816/status_word.h"
#include "util/tlv.h"

namespace sesame::host::eid {
namespace {

namespace pace = iso7816::pace;
using crypto::EcPoint;
using iso7816::CommandApdu;

// The single object `tag` inside the card's '7C' answer.
Bytes dynamic_data(const iso7816::ResponseApdu& r, std::uint32_t tag) {
  const Tlv t = parse_one(r.data);
  if (t.tag() != 0x7C || t.children().size() != 1 || t.children()[0].tag() != tag)
    fail(Errc::parse, "pace: unexpected GENERAL AUTHENTICATE answer");
  return t.children()[0].value();
}

CommandApdu general_authenticate(bool last, std::uint32_t tag, ByteView value) {
  Bytes inner;
  if (tag != 0) inner = tlv_encode(tag, value);
  return {
      static_cast<std::uint8_t>(last ? 0x00 : 0x10), 0x86, 0x00, 0x00, tlv_encode(0x7C, inner), 256, false};
}

bool supported(const iso7816::PaceInfo& p) {
  if (!pace::pace_ecdh_gm_key_length(p.protocol) || p.version != 2 || !p.parameter_id) return false;
  const auto c = crypto::curve_from_standardized_id(*p.parameter_id);
  return c && pace::standardized_id(*c);
}

}  // namespace

PacePassword PacePassword::mrz(std::string_view document_number, std::string_view date_of_birth,
                               std::string_view date_of_expiry) {
  return {PasswordRef::mrz, pace::mrz_password(document_number, date_of_birth, date_of_expiry)};
}
PacePassword PacePassword::can(std::string_view v) {
  return {PasswordRef::can, SecureBytes(as_bytes(v))};
}
PacePassword PacePassword::pin(std::string_view v) {
  return {PasswordRef::pin, SecureBytes(as_bytes(v))};
}
PacePassword PacePassword::puk(std::string_view v) {
  return {PasswordRef::puk, SecureBytes(as_bytes(v))};
}

void EidTerminal::pace(const PacePassword& password, const PaceOptions& options) {
  if (options.select_aid) {
    channel_.reset();
    chip_authenticated_ = false;
    expect_ok({0x00, 0xA4, 0x04, 0x0C, *options.select_aid, 0, false}, "SELECT application");
  }
  card_access_ = read_file_sfi(0x1C);
  const iso7816::SecurityInfos infos = iso7816::parse_security_infos(card_access_);
  for (const auto& p : infos.pace)
    if (supported(p)) return pace(password, p, options);
  fail(Errc::not_found, "pace: EF.CardAccess offers no PACEInfo this terminal supports");
}

void EidTerminal::pace(const PacePassword& password, const iso7816::PaceInfo& info,
                       const PaceOptions& options) {
  const auto key_length = pace::pace_ecdh_gm_key_length(info.protocol);
  const auto curve =
      info.parameter_id ? crypto::curve_from_standardized_id(*info.parameter_id) : std::nullopt;
  if (!key_length || !curve) fail(Errc::invalid_argument, "pace: unsupported PACEInfo");

  // MSE:Set AT (TR-03110-3 §B.11.1): '80' protocol, '83' password, '84' domain parameters.
  Bytes mse = tlv_encode(0x80, info.protocol);
  append_tlv(mse, 0x83, Bytes{static_cast<std::uint8_t>(password.ref)});
  if (options.send_parameter_id && info.parameter_id)
    append_tlv(mse, 0x84, Bytes{static_cast<std::uint8_t>(*info.parameter_id)});
  const auto set = transmit({0x00, 0x22, 0xC1, 0xA4, mse, 0, false});
  // 63Cx is a warning about the PIN's retry counter; the card decides at the first step.
  if (set.sw != 0x9000 && (set.sw & 0xFFF0) != 0x63C0) throw CardRefused("pace: MSE:Set AT refused", set.sw);

  const SecureBytes k_pi = pace::password_key(password.f_pi.view(), *key_length);
  const SecureBytes s = pace::decrypt_nonce(
      k_pi.view(), dynamic_data(expect_ok(general_authenticate(false, 0, {}), "PACE nonce"), 0x80));

  const EcPoint g = EcPoint::generator(*curve);
  const crypto::EcKeyPairOnGenerator mapping = options.key_pair(g);
  const EcPoint picc_map = EcPoint::from_encoded(
      *curve,
      dynamic_data(expect_ok(general_authenticate(false, 0x81, mapping.public_point().to_uncompressed()),
                             "PACE mapping"),
                   0x82));
  const EcPoint mapped = pace::map_generator(s.view(), mapping.agree_point(picc_map));

  const crypto::EcKeyPairOnGenerator ephemeral = options.key_pair(mapped);
  if (ephemeral.public_point() == mapping.public_point())
    fail(Errc::crypto, "pace: ephemeral key equals mapping key");
  const EcPoint picc_eph = EcPoint::from_encoded(
      *curve,
      dynamic_data(expect_ok(general_authenticate(false, 0x83, ephemeral.public_point().to_uncompressed()),
                             "PACE key agreement"),
                   0x84));
  // TR-03110-2 §3.2.3: the chip's ephemeral key must differ from its mapping key.
  if (picc_eph == picc_map) fail(Errc::crypto, "pace: card's ephemeral key equals its mapping key");
  const SecureBytes k = ephemeral.agree(picc_eph);
  pace::SessionKeys keys = pace::session_keys(k.view(), *key_length);

  const Bytes t_pcd = pace::authentication_token(keys.k_mac.view(), info.protocol, picc_eph);
  Bytes t_picc;
  try {
    t_picc =
        dynamic_data(expect_ok(general_authenticate(true, 0x85, t_pcd), "PACE mutual authentication"), 0x86);
  } catch (const CardRefused&) {
    // The card refused the password: it ends any secure messaging session it had (docs/EID.md).
    channel_.reset();
    chip_authenticated_ = false;
    throw;
  }
  const Bytes expected =
      pace::authentication_token(keys.k_mac.view(), info.protocol, ephemeral.public_point());
  if (!secure_equal(expected, t_picc)) fail(Errc::crypto, "pace: the card's authentication token is wrong");

  channel_.reset();
  channel_.emplace(*reader_, std::move(keys.k_enc), std::move(keys.k_mac));
  chip_authenticated_ = false;
}

}  // namespace sesame::host::eid
