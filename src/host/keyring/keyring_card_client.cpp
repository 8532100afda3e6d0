#include "host/keyring/keyring_card_client.h"

#include "iso7816/status_word.h"
#include "util/tlv.h"

namespace sesame::host::keyring {
namespace {

namespace kp = iso7816::keyring;
namespace tag = iso7816::keyring::tag;
using kp::Ins;

Bytes field(const std::vector<Tlv>& items, std::uint32_t t) {
  const Tlv* it = find_tlv(items, t);
  if (!it) throw Error(Errc::parse, "keyring card: answer without tag " + std::to_string(t));
  return it->value();
}

Bytes optional_field(const std::vector<Tlv>& items, std::uint32_t t) {
  const Tlv* it = find_tlv(items, t);
  return it ? it->value() : Bytes{};
}

}  // namespace

KeyringCardRefused::KeyringCardRefused(std::uint16_t sw)
    : Error(Errc::state, "keyring card: " + iso7816::sw_name(sw)), sw_(sw) {}

KeyringCardClient::KeyringCardClient(Reader& reader, Bytes aid) : reader_(reader), aid_(std::move(aid)) {}

Bytes KeyringCardClient::command(Ins ins, ByteView data) {
  iso7816::CommandApdu c;
  c.cla = kp::kCla;
  c.ins = static_cast<std::uint8_t>(ins);
  c.data.assign(data.begin(), data.end());
  c.ne = 65536;
  auto r = reader_.transmit(c);
  if (r.sw != 0x9000) throw KeyringCardRefused(r.sw);
  return std::move(r.data);
}

void KeyringCardClient::select() {
  const auto r = reader_.select_by_aid(aid_);
  if (r.sw != 0x9000) throw KeyringCardRefused(r.sw);
}

void KeyringCardClient::create(ByteView id, std::uint8_t try_limit, std::uint8_t min_pin_length, ByteView w0,
                               ByteView l) {
  Bytes d = tlv_encode(tag::keyring_id, id);
  append_tlv(d, tag::policy, Bytes{try_limit, min_pin_length});
  append_tlv(d, tag::record_w0, w0);
  append_tlv(d, tag::record_l, l);
  command(Ins::create, d);
}

static CardExchange exchange_of(ByteView answer) {
  const auto items = parse_tlv(answer, TlvMode::strict);
  return {field(items, tag::share_v), field(items, tag::confirm_v)};
}

CardExchange KeyringCardClient::activate_start(ByteView id, ByteView share_p) {
  Bytes d = tlv_encode(tag::keyring_id, id);
  append_tlv(d, tag::share_p, share_p);
  return exchange_of(command(Ins::activate_start, d));
}

Bytes KeyringCardClient::activate_finish(ByteView id, ByteView confirm_p, ByteView envelope) {
  Bytes d = tlv_encode(tag::keyring_id, id);
  append_tlv(d, tag::confirm_p, confirm_p);
  append_tlv(d, tag::envelope, envelope);
  return field(parse_tlv(command(Ins::activate_finish, d), TlvMode::strict), tag::public_key);
}

CardExchange KeyringCardClient::approve_start(ByteView id, ByteView request_id, ByteView hash,
                                              ByteView description_hash, ByteView share_p) {
  Bytes d = tlv_encode(tag::keyring_id, id);
  append_tlv(d, tag::request_id, request_id);
  append_tlv(d, tag::hash, hash);
  append_tlv(d, tag::description_hash, description_hash);
  append_tlv(d, tag::share_p, share_p);
  return exchange_of(command(Ins::approve_start, d));
}

CardApproval KeyringCardClient::approve_finish(ByteView id, ByteView request_id, ByteView confirm_p,
                                               ByteView envelope) {
  Bytes d = tlv_encode(tag::keyring_id, id);
  append_tlv(d, tag::request_id, request_id);
  append_tlv(d, tag::confirm_p, confirm_p);
  append_tlv(d, tag::envelope, envelope);
  const auto items = parse_tlv(command(Ins::approve_finish, d), TlvMode::strict);
  return {field(items, tag::signature), field(items, tag::receipt), field(items, tag::receipt_signature)};
}

KeyringCardInfo KeyringCardClient::info(ByteView id) {
  const Tlv t = parse_one(command(Ins::get_info, tlv_encode(tag::keyring_id, id)), TlvMode::strict);
  if (t.tag() != tag::info) throw Error(Errc::parse, "keyring card: GET INFO without its template");
  const auto items = parse_tlv(t.value(), TlvMode::strict);
  KeyringCardInfo i;
  const Bytes st = field(items, tag::state), pol = field(items, tag::policy),
              pt = field(items, tag::pin_tries), at = field(items, tag::activation_tries);
  if (st.size() != 1 || pol.size() != 2 || pt.size() != 1 || at.size() != 1)
    throw Error(Errc::parse, "keyring card: malformed GET INFO");
  i.state = static_cast<kp::KeyringState>(st[0]);
  i.try_limit = pol[0];
  i.min_pin_length = pol[1];
  i.pin_tries = pt[0];
  i.activation_tries = at[0];
  i.public_key = optional_field(items, tag::public_key);
  i.device_key = optional_field(items, tag::device_key);
  i.pin_salt = optional_field(items, tag::pin_salt);
  return i;
}

Bytes KeyringCardClient::receipt_key() {
  return command(Ins::get_receipt_key, {});
}

void KeyringCardClient::destroy(ByteView id) {
  command(Ins::destroy, tlv_encode(tag::keyring_id, id));
}

}  // namespace sesame::host::keyring
