#include "host/gp/delegated_management.h"

#include "crypto/ecdsa.h"
#include "host/gp/store_data.h"
#include "iso7816/gp_key_data.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/secure_buffer.h"
#include "util/tlv.h"

namespace sesame::host::gp {
namespace {

namespace dm = iso7816::gp;

void lv(Bytes& out, ByteView v) {
  if (v.size() > 255) fail(Errc::invalid_argument, "INSTALL: field longer than 255 bytes");
  out.push_back(static_cast<std::uint8_t>(v.size()));
  append(out, v);
}

void check_aid(ByteView aid) {
  if (aid.size() < 5 || aid.size() > 16) fail(Errc::invalid_argument, "an AID is 5-16 bytes");
}

iso7816::ResponseApdu expect_ok(const iso7816::ResponseApdu& r, const char* what) {
  if (!r.ok()) fail(Errc::state, std::string(what) + " refused: " + iso7816::sw_name(r.sw));
  return r;
}

}  // namespace

const Bytes& sd_load_file_aid() {
  static const Bytes aid{0xA0, 0x00, 0x00, 0x01, 0x51, 0x53, 0x50};
  return aid;
}

const Bytes& sd_module_aid() {
  static const Bytes aid{0xA0, 0x00, 0x00, 0x01, 0x51, 0x53, 0x50, 0x41};
  return aid;
}

void install_security_domain(Scp03Session& isd, ByteView sd_aid, ByteView privileges) {
  check_aid(sd_aid);
  if (privileges.size() != 1 && privileges.size() != 3)
    fail(Errc::invalid_argument, "privileges are 1 or 3 bytes");
  Bytes data;
  lv(data, sd_load_file_aid());
  lv(data, sd_module_aid());
  lv(data, sd_aid);
  lv(data, privileges);
  lv(data, tlv_encode(0xC9, Bytes{}));
  lv(data, {});
  expect_ok(isd.transmit({0x80, 0xE6, 0x0C, 0x00, data, 256, false}), "INSTALL of the security domain");
}

void extradite(Scp03Session& s, ByteView application_aid, ByteView sd_aid) {
  const DelegatedCommand c = delegated_extradition(application_aid, sd_aid);
  Bytes data = c.data_without_token;
  data.push_back(0x00);  // no token
  expect_ok(s.transmit({0x80, 0xE6, 0x10, 0x00, data, 256, false}), "INSTALL [for extradition]");
}

void put_token_key(Scp03Session& isd, const crypto::EcPublicKey& key, bool replace) {
  if (key.curve() != crypto::Curve::p256) fail(Errc::invalid_argument, "the token key is a P-256 key");
  const Bytes data = dm::encode_token_key_data(key.to_uncompressed_point());
  const auto r = expect_ok(
      isd.transmit({0x80, 0xD8, replace ? dm::kTokenKeyVersion : std::uint8_t{0}, 0x01, data, 256, false}),
      "PUT KEY (token key)");
  if (r.data != Bytes{dm::kTokenKeyVersion}) fail(Errc::parse, "PUT KEY: unexpected answer");
}

void put_receipt_key(Scp03Session& isd, ByteView key, bool replace) {
  const Bytes data = dm::encode_receipt_key_data(key, isd.static_dek().view());
  const auto r = expect_ok(
      isd.transmit({0x80, 0xD8, replace ? dm::kReceiptKeyVersion : std::uint8_t{0}, 0x01, data, 256, false}),
      "PUT KEY (receipt key)");
  Bytes expected{dm::kReceiptKeyVersion};
  append(expected, dm::key_check_value(key));
  if (r.data != expected) fail(Errc::crypto, "PUT KEY: the card's key check value does not match");
}

std::uint16_t confirmation_counter(Reader& reader) {
  const Bytes c = get_data(reader, 0x00C2);
  if (c.size() != 4 || c[0] != 0xC2 || c[1] != 0x02)
    fail(Errc::parse, "GET DATA '00C2': not a 2-byte confirmation counter");
  return static_cast<std::uint16_t>((c[2] << 8) | c[3]);
}

DelegatedCommand delegated_install(ByteView load_file_aid, ByteView module_aid, ByteView application_aid,
                                   ByteView params) {
  check_aid(application_aid);
  DelegatedCommand c{0xE6, 0x0C, 0x00, {}, {}};
  lv(c.data_without_token, load_file_aid);
  lv(c.data_without_token, module_aid);
  lv(c.data_without_token, application_aid);
  lv(c.data_without_token, Bytes{0x00});
  lv(c.data_without_token, tlv_encode(0xC9, params));
  lv(c.receipt_data, load_file_aid);
  lv(c.receipt_data, application_aid);
  return c;
}

DelegatedCommand delegated_extradition(ByteView application_aid, ByteView sd_aid) {
  check_aid(application_aid);
  check_aid(sd_aid);
  DelegatedCommand c{0xE6, 0x10, 0x00, {}, {}};
  lv(c.data_without_token, sd_aid);
  c.data_without_token.push_back(0x00);
  lv(c.data_without_token, application_aid);
  append(c.data_without_token, Bytes{0x00, 0x00});
  lv(c.receipt_data, sd_aid);
  lv(c.receipt_data, application_aid);
  return c;
}

DelegatedCommand delegated_delete(ByteView application_aid) {
  check_aid(application_aid);
  DelegatedCommand c{0xE4, 0x00, 0x00, tlv_encode(0x4F, application_aid), {}};
  lv(c.receipt_data, application_aid);
  return c;
}

Bytes make_token(const crypto::EcPrivateKey& owner, const DelegatedCommand& command,
                 std::uint16_t next_counter, ByteView card_unique_data) {
  if (owner.curve() != crypto::Curve::p256) fail(Errc::invalid_argument, "the token key is a P-256 key");
  const Bytes m =
      dm::token_message(command.p1, command.p2, command.data_without_token, next_counter, card_unique_data);
  return crypto::ecdsa_sign(owner, crypto::SignatureHash::sha256, m, crypto::EcdsaFormat::raw);
}

iso7816::gp::Confirmation run_delegated(Scp03Session& ssd, const DelegatedCommand& command, ByteView token) {
  Bytes data = command.data_without_token;
  if (command.ins == 0xE4) {
    append(data, tlv_encode(0x9E, token));  // DELETE: '9E' token (GP 2.3 Table 11-22)
  } else {
    lv(data, token);
  }
  const auto r = expect_ok(ssd.transmit({0x80, command.ins, command.p1, command.p2, data, 256, false}),
                           command.ins == 0xE4 ? "DELETE" : "INSTALL");
  return dm::parse_confirmation(r.data);
}

void verify_receipt(ByteView receipt_key, const DelegatedCommand& command,
                    const iso7816::gp::Confirmation& confirmation, std::uint16_t expected_counter,
                    ByteView card_unique_data) {
  if (confirmation.counter != expected_counter)
    fail(Errc::crypto, "receipt: unexpected confirmation counter");
  if (!secure_equal(confirmation.card_unique_data, card_unique_data))
    fail(Errc::crypto, "receipt: from another card");
  const Bytes expected = dm::receipt(receipt_key, dm::confirmation_data(expected_counter, card_unique_data),
                                     command.receipt_data);
  if (!secure_equal(expected, confirmation.receipt)) fail(Errc::crypto, "receipt does not verify");
}

}  // namespace sesame::host::gp
