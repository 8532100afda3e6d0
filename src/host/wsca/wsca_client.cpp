#include "host/wsca/wsca_client.h"

#include "crypto/ecdh_envelope.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "iso7816/status_word.h"
#include "util/tlv.h"

namespace sesame::host::wsca {

using namespace iso7816::wsca;  // NOLINT

namespace {

Bytes u32_bytes(std::uint32_t v) {
  Bytes b;
  put_u32(b, v);
  return b;
}

Bytes unit_field(std::uint32_t unit) {
  return tlv_encode(tag::unit_id, u32_bytes(unit));
}

Bytes unit_key_fields(std::uint32_t unit, std::uint32_t key_id) {
  Bytes d = unit_field(unit);
  append_tlv(d, tag::key_id, u32_bytes(key_id));
  return d;
}

}  // namespace

CardRefused::CardRefused(std::uint16_t sw) : Error(Errc::state, "WSCA: " + iso7816::sw_name(sw)), sw_(sw) {}

WscaClient::WscaClient(Reader& reader, Bytes aid) : reader_(reader), aid_(std::move(aid)) {}

Bytes WscaClient::command(Ins ins, ByteView data, std::uint8_t p1) {
  iso7816::CommandApdu c;
  c.cla = kCla;
  c.ins = static_cast<std::uint8_t>(ins);
  c.p1 = p1;
  c.data.assign(data.begin(), data.end());
  c.ne = 65536;  // extended Le: the whole answer at once (no GET RESPONSE another thread could break)
  auto r = reader_.transmit(c);
  if (r.sw != 0x9000) throw CardRefused(r.sw);
  return std::move(r.data);
}

void WscaClient::select() {
  const auto r = reader_.select_by_aid(aid_);
  if (r.sw != 0x9000) throw CardRefused(r.sw);
}

Bytes WscaClient::challenge(std::uint32_t unit) {
  Bytes c = command(Ins::get_challenge, tlv_encode(tag::unit_id, u32_bytes(unit)));
  if (c.size() != kChallengeSize) fail(Errc::parse, "WSCA: challenge of the wrong size");
  return c;
}

std::uint32_t WscaClient::create_unit(std::optional<ByteView> puk,
                                      std::optional<ByteView> expected_device_key) {
  Bytes d;
  if (puk) append_tlv(d, tag::puk, *puk);
  if (expected_device_key) append_tlv(d, tag::device_key, *expected_device_key);
  const auto items = parse_tlv(command(Ins::create_unit, d));
  const Tlv* id = find_tlv(items, tag::unit_id);
  if (!id || id->value().size() != 4) fail(Errc::parse, "WSCA: CREATE UNIT answer without a unit id");
  return get_u32(id->value());
}

void WscaClient::signed_envelope_command(Ins ins, std::uint32_t unit, const crypto::EcPrivateKey& device_key,
                                         ByteView device_key_field, const SecureBytes& plaintext,
                                         ByteView operation) {
  const UnitInfo info = unit_info(unit);
  const auto ka = crypto::EcPublicKey::from_point(crypto::Curve::p256, info.ka_public_key);
  const Bytes chal = challenge(unit);
  const auto env = crypto::ecdh_envelope_seal(ka, chal, as_bytes(kEnvelopeInfo), envelope_aad(ins, unit),
                                              plaintext.view());
  const Bytes box = concat({env.iv, env.box});
  const Bytes d = signed_part(unit, device_key_field, operation, env.ephemeral_point, box);
  const Bytes sig = crypto::ecdsa_sign(device_key, crypto::SignatureHash::sha256,
                                       auth_signing_input(ins, chal, d), crypto::EcdsaFormat::raw);
  send_signed(ins, unit, device_key_field, operation, env.ephemeral_point, box, sig);
}

Bytes WscaClient::signed_part(std::uint32_t unit, ByteView device_key_field, ByteView operation,
                              ByteView ephemeral_key, ByteView envelope) {
  Bytes d = unit_field(unit);
  if (!device_key_field.empty()) append_tlv(d, tag::device_key, device_key_field);
  if (!operation.empty()) append_tlv(d, tag::operation, operation);
  append_tlv(d, tag::ephemeral_key, ephemeral_key);
  append_tlv(d, tag::envelope, envelope);
  return d;
}

void WscaClient::send_signed(Ins ins, std::uint32_t unit, ByteView device_key_field, ByteView operation,
                             ByteView ephemeral_key, ByteView envelope, ByteView signature) {
  Bytes d = signed_part(unit, device_key_field, operation, ephemeral_key, envelope);
  append_tlv(d, tag::signature, signature);
  command(ins, d);
}

namespace {
SecureBytes envelope_tlv(std::uint32_t t, ByteView v) {
  SecureBytes out;
  Bytes hdr = encode_tag(t);
  append(hdr, encode_length(v.size()));
  out.append(hdr);
  out.append(v);
  return out;
}
}  // namespace

void WscaClient::activate(std::uint32_t unit, const crypto::EcPrivateKey& device_key, ByteView pin) {
  signed_envelope_command(Ins::activate, unit, device_key, device_key.public_key().to_uncompressed_point(),
                          envelope_tlv(envelope_tag::pin, pin));
}

void WscaClient::authenticate(std::uint32_t unit, const crypto::EcPrivateKey& device_key, ByteView pin) {
  signed_envelope_command(Ins::authenticate, unit, device_key, {}, envelope_tlv(envelope_tag::pin, pin));
}

void WscaClient::authenticate_for(std::uint32_t unit, const crypto::EcPrivateKey& device_key, ByteView pin,
                                  ByteView operation) {
  signed_envelope_command(Ins::authenticate, unit, device_key, {}, envelope_tlv(envelope_tag::pin, pin),
                          operation);
}

Bytes WscaClient::binding(Ins ins, std::uint8_t p1, ByteView data) {
  return operation_binding(static_cast<std::uint8_t>(ins), p1, crypto::sha256(data));
}

Bytes WscaClient::unit_data(std::uint32_t unit) {
  return unit_field(unit);
}

Bytes WscaClient::key_data(std::uint32_t unit, std::uint32_t key_id) {
  return unit_key_fields(unit, key_id);
}

Bytes WscaClient::sign_data(std::uint32_t unit, std::uint32_t key_id, ByteView digest) {
  Bytes d = unit_key_fields(unit, key_id);
  append_tlv(d, tag::digest, digest);
  return d;
}

Bytes WscaClient::generate_data(std::uint32_t unit, CurveCode curve, KeyPolicy policy, std::uint16_t window,
                                ByteView label) {
  Bytes d = unit_field(unit);
  append_tlv(d, tag::curve, Bytes{static_cast<std::uint8_t>(curve)});
  append_tlv(d, tag::policy, Bytes{static_cast<std::uint8_t>(policy)});
  Bytes w;
  put_u16(w, window);
  append_tlv(d, tag::window, w);
  if (!label.empty()) append_tlv(d, tag::label, label);
  return d;
}

void WscaClient::unblock(std::uint32_t unit, const crypto::EcPrivateKey& device_key, ByteView puk,
                         std::optional<ByteView> new_pin) {
  SecureBytes plain = envelope_tlv(envelope_tag::puk, puk);
  if (new_pin) plain.append(envelope_tlv(envelope_tag::new_pin, *new_pin).view());
  signed_envelope_command(Ins::unblock, unit, device_key, {}, plain);
}

void WscaClient::provider_authenticate(const crypto::EcPrivateKey& provider_key) {
  const Bytes chal = challenge(kProviderUnit);
  const Bytes sig =
      crypto::ecdsa_sign(provider_key, crypto::SignatureHash::sha256,
                         auth_signing_input(Ins::provider_authenticate, chal, {}), crypto::EcdsaFormat::raw);
  command(Ins::provider_authenticate, tlv_encode(tag::signature, sig));
}

void WscaClient::provider_unblock(std::uint32_t unit) {
  command(Ins::provider_unblock, unit_field(unit));
}
void WscaClient::delete_unit(std::uint32_t unit) {
  command(Ins::delete_unit, unit_field(unit));
}
void WscaClient::logout(std::uint32_t unit) {
  command(Ins::logout, unit_field(unit));
}

UnitInfo WscaClient::unit_info(std::uint32_t unit) {
  const Tlv t = parse_one(command(Ins::get_unit_info, unit_field(unit)));
  if (t.tag() != tag::unit_template) fail(Errc::parse, "WSCA: GET UNIT INFO answer is not an E1 template");
  UnitInfo u;
  u.unit = get_u32(t.require(tag::unit_id).value());
  u.state = static_cast<UnitState>(t.require(tag::unit_state).value().at(0));
  u.ka_public_key = t.require(tag::ka_public_key).value();
  if (const Tlv* d = t.find(tag::device_key)) u.device_key = d->value();
  if (const Tlv* p = t.find(tag::pin_tries); p && p->value().size() == 1) u.pin_tries = p->value()[0];
  if (const Tlv* p = t.find(tag::puk_tries); p && p->value().size() == 1) u.puk_tries = p->value()[0];
  if (const Tlv* p = t.find(tag::pin_delay); p && p->value().size() == 4) u.pin_delay = get_u32(p->value());
  return u;
}

KeyInfo WscaClient::parse_key_template(ByteView data) {
  const Tlv t = parse_one(data);
  if (t.tag() != tag::key_template) fail(Errc::parse, "WSCA: key information is not an E0 template");
  KeyInfo k;
  const auto& id = t.require(tag::key_id).value();
  const auto& w = t.require(tag::window).value();
  if (id.size() != 4 || w.size() != 2) fail(Errc::parse, "WSCA: malformed key information");
  k.id = get_u32(id);
  k.curve = t.require(tag::curve).value().at(0);
  k.policy = static_cast<KeyPolicy>(t.require(tag::policy).value().at(0));
  k.window = get_u16(w);
  k.public_point = t.require(tag::public_key).value();
  k.flags = t.require(tag::key_flags).value().at(0);
  if (const Tlv* l = t.find(tag::label)) k.label = l->value();
  return k;
}

KeyInfo WscaClient::generate_key(std::uint32_t unit, CurveCode curve, KeyPolicy policy, std::uint16_t window,
                                 ByteView label) {
  return parse_key_template(command(Ins::generate_key, generate_data(unit, curve, policy, window, label)));
}

Bytes WscaClient::sign(std::uint32_t unit, std::uint32_t key_id, ByteView digest, bool der) {
  return command(Ins::sign, sign_data(unit, key_id, digest), der ? kSignDer : kSignRaw);
}

SecureBytes WscaClient::ecdh(std::uint32_t unit, std::uint32_t key_id, ByteView peer_point) {
  Bytes d = unit_key_fields(unit, key_id);
  append_tlv(d, tag::peer_point, peer_point);
  Bytes z = command(Ins::ecdh, d);
  SecureBytes out(z);
  secure_zero(z.data(), z.size());
  return out;
}

KeyInfo WscaClient::key_info(std::uint32_t unit, std::uint32_t key_id) {
  return parse_key_template(command(Ins::get_key_info, unit_key_fields(unit, key_id)));
}

std::vector<std::uint32_t> WscaClient::list_keys(std::uint32_t unit) {
  std::vector<std::uint32_t> out;
  for (const auto& t : parse_tlv(command(Ins::list_keys, unit_field(unit)))) {
    if (t.tag() != tag::key_id || t.value().size() != 4) fail(Errc::parse, "WSCA: malformed key list");
    out.push_back(get_u32(t.value()));
  }
  return out;
}

void WscaClient::delete_key(std::uint32_t unit, std::uint32_t key_id) {
  command(Ins::delete_key, unit_key_fields(unit, key_id));
}

Bytes WscaClient::bind_keys_data(std::uint32_t unit, ByteView nonce, const std::vector<std::uint32_t>& key_ids) {
  Bytes d = unit_field(unit);
  append_tlv(d, tag::nonce, nonce);
  Bytes ids;
  for (std::uint32_t k : key_ids) put_u32(ids, k);
  append_tlv(d, tag::key_ids, ids);
  return d;
}

WscaClient::KeyBinding WscaClient::bind_keys(std::uint32_t unit, ByteView nonce,
                                             const std::vector<std::uint32_t>& key_ids) {
  const auto items = parse_tlv(command(Ins::bind_keys, bind_keys_data(unit, nonce, key_ids)));
  KeyBinding b;
  for (const auto& t : items) {
    if (t.tag() == tag::transcript && b.transcript.empty())
      b.transcript = t.value();
    else if (t.tag() == tag::key_proof)
      b.proofs.push_back(t.value());
    else
      fail(Errc::parse, "WSCA: malformed BIND KEYS answer");
  }
  if (b.transcript.empty() || b.proofs.size() != key_ids.size()) fail(Errc::parse, "WSCA: malformed BIND KEYS answer");
  return b;
}

void WscaClient::put_data(std::uint32_t unit, std::uint16_t object_id, ByteView value) {
  Bytes d = unit_field(unit);
  Bytes id;
  put_u16(id, object_id);
  append_tlv(d, tag::object_id, id);
  append_tlv(d, tag::object_value, value);
  command(Ins::put_data, d);
}

SecureBytes WscaClient::get_data(std::uint32_t unit, std::uint16_t object_id) {
  Bytes d = unit_field(unit);
  Bytes id;
  put_u16(id, object_id);
  append_tlv(d, tag::object_id, id);
  Bytes v = command(Ins::get_data, d);
  SecureBytes out(v);
  secure_zero(v.data(), v.size());
  return out;
}

void WscaClient::delete_data(std::uint32_t unit, std::uint16_t object_id) {
  Bytes d = unit_field(unit);
  Bytes id;
  put_u16(id, object_id);
  append_tlv(d, tag::object_id, id);
  command(Ins::delete_data, d);
}

}  // namespace sesame::host::wsca
