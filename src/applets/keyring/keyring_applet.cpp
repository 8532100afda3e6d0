#include "applets/keyring/keyring_applet.h"

#include <map>
#include <optional>

#include "applets/keyring/keyring_records.h"
#include "crypto/ecdsa.h"
#include "crypto/spake2plus.h"
#include "iso7816/keyring_protocol.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::applets::keyring {
namespace {

using card::AppletContext;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;
namespace kp = iso7816::keyring;
namespace tag = iso7816::keyring::tag;
namespace etag = iso7816::keyring::envelope_tag;
using kp::Ins;
namespace spake = crypto::spake2plus;

constexpr std::size_t kPoint = 65;

// One SPAKE2+ run in progress per keyring and channel (CLEAR_ON_DESELECT).
struct Exchange {
  Ins kind = Ins::activate_start;
  std::shared_ptr<spake::Verifier> verifier;
  Bytes request_id, hash, description_hash;
};
struct KeyringSession {
  std::map<std::string, Exchange> exchanges;  // by keyring id (hex)
};

class Fields {
 public:
  explicit Fields(ByteView data) {
    try {
      items_ = parse_tlv(data, TlvMode::strict);
    } catch (const Error&) {
      throw_sw(Sw::incorrect_data);
    }
    for (std::size_t i = 0; i < items_.size(); ++i)
      for (std::size_t j = i + 1; j < items_.size(); ++j)
        if (items_[i].tag() == items_[j].tag()) throw_sw(Sw::incorrect_data);
  }
  // Exactly `size` bytes (0: 1..max), else 6A80.
  ByteView require(std::uint32_t t, std::size_t size = 0, std::size_t max = 255) const {
    const Tlv* it = find_tlv(items_, t);
    if (!it || it->value().empty()) throw_sw(Sw::incorrect_data);
    if (size != 0 ? it->value().size() != size : it->value().size() > max) throw_sw(Sw::incorrect_data);
    return it->value();
  }
  ByteView id() const { return require(tag::keyring_id, kp::kKeyringIdSize); }

 private:
  std::vector<Tlv> items_;
};

void check_point(ByteView point) {
  if (point.size() != kPoint || point[0] != 0x04) throw_sw(Sw::incorrect_data);
  try {
    crypto::EcPublicKey::from_point(crypto::Curve::p256, point);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
}

// The exchange started for this keyring on this channel; it is gone after this call either way.
Exchange take_exchange(AppletContext& ctx, ByteView id, Ins kind) {
  auto& ex = ctx.session<KeyringSession>().exchanges;
  const auto it = ex.find(to_hex(id));
  if (it == ex.end()) throw_sw(Sw::conditions_not_satisfied);
  Exchange e = std::move(it->second);
  ex.erase(it);
  if (e.kind != kind || !e.verifier) throw_sw(Sw::conditions_not_satisfied);
  return e;
}

SecureBytes finish_exchange(Exchange& e, ByteView confirm_p) {
  try {
    return e.verifier->finish(confirm_p);
  } catch (const Error&) {
    throw_sw(Sw::security_status_not_satisfied);  // wrong code / PIN, or an altered / replayed message
  }
}

std::vector<Tlv> open_items(ByteView k_shared, Ins ins, ByteView id, ByteView request_id, ByteView sealed) {
  try {
    const SecureBytes plain = kp::open_envelope(k_shared, ins, id, request_id, sealed);
    return parse_tlv(plain.view(), TlvMode::strict);
  } catch (const Error&) {
    throw_sw(Sw::incorrect_data);
  }
}

ByteView item(const std::vector<Tlv>& items, std::uint32_t t, std::size_t size) {
  const Tlv* it = find_tlv(items, t);
  if (!it || it->value().size() != size) throw_sw(Sw::incorrect_data);
  return it->value();
}

Bytes response_tlv(std::uint32_t t, ByteView v) {
  return tlv_encode(t, v);
}

class KeyringApplet final : public card::Applet {
 public:
  void install(AppletContext& ctx, ByteView params) override {
    if (!params.empty()) throw_sw(Sw::incorrect_data);
    ensure_platform(ctx.persistent());
  }

  ResponseApdu process(const CommandApdu& apdu, AppletContext& ctx) override {
    if (ctx.selecting()) return card::default_select_response(apdu, ctx.instance_aid());
    if ((apdu.cla & 0x80) == 0) throw_sw(Sw::cla_not_supported);
    if (apdu.p1 != 0 || apdu.p2 != 0) throw_sw(Sw::incorrect_p1p2);
    switch (static_cast<Ins>(apdu.ins)) {
      case Ins::create: return create(apdu, ctx);
      case Ins::activate_start: return activate_start(apdu, ctx);
      case Ins::activate_finish: return activate_finish(apdu, ctx);
      case Ins::approve_start: return approve_start(apdu, ctx);
      case Ins::approve_finish: return approve_finish(apdu, ctx);
      case Ins::get_info: return get_info(apdu, ctx);
      case Ins::get_receipt_key:
        return {receipt_key(ctx.persistent()).public_key().to_uncompressed_point(), 0x9000};
      case Ins::destroy: return destroy(apdu, ctx);
      default: throw_sw(Sw::ins_not_supported);
    }
  }

 private:
  // C1 id, C2 policy (try limit 1..15, min PIN length 4..16), C3 w0, C4 L of the activation code.
  static ResponseApdu create(const CommandApdu& apdu, AppletContext& ctx) {
    const Fields f(apdu.data);
    const ByteView id = f.id();
    const ByteView pol = f.require(tag::policy, 2);
    if (pol[0] < 1 || pol[0] > 15 || pol[1] < 4 || pol[1] > 16) throw_sw(Sw::incorrect_data);
    const ByteView w0 = f.require(tag::record_w0, spake::kScalarSize);
    const ByteView l = f.require(tag::record_l, kPoint);
    check_point(l);
    auto& p = ctx.persistent();
    ensure_platform(p);
    if (keyring_exists(p, id)) throw_sw(Sw::conditions_not_satisfied);
    KeyringMeta m;
    m.try_limit = pol[0];
    m.min_pin_length = pol[1];
    m.activation_w0 = SecureBytes(w0);
    m.activation_l.assign(l.begin(), l.end());
    write_meta(p, id, m);
    write_tries(p, id, {0, kp::kActivationTries});
    return {};
  }

  // C1 id, C5 shareP -> C6 shareV, C7 confirmV. One activation try is spent (durably) first.
  static ResponseApdu activate_start(const CommandApdu& apdu, AppletContext& ctx) {
    const Fields f(apdu.data);
    const ByteView id = f.id();
    const ByteView share_p = f.require(tag::share_p, spake::kShareSize);
    auto& p = ctx.persistent();
    const KeyringMeta m = read_meta(p, id);
    if (m.state != KeyringState::created) throw_sw(Sw::conditions_not_satisfied);
    Tries t = read_tries(p, id);
    if (t.activation == 0) throw_sw(Sw::authentication_method_blocked);
    --t.activation;
    write_tries_now(p, id, t);
    auto v = std::make_shared<spake::Verifier>(kp::activation_context(id),
                                               spake::VerifierRecord{m.activation_w0, m.activation_l});
    return start(ctx, id, share_p, Exchange{Ins::activate_finish, std::move(v), {}, {}, {}});
  }

  static ResponseApdu start(AppletContext& ctx, ByteView id, ByteView share_p, Exchange e) {
    spake::Verifier::Response r;
    try {
      r = e.verifier->respond(share_p);
    } catch (const Error&) {
      throw_sw(Sw::incorrect_data);
    }
    ctx.session<KeyringSession>().exchanges[to_hex(id)] = std::move(e);
    Bytes out = response_tlv(tag::share_v, r.share_v);
    append_tlv(out, tag::confirm_v, r.confirm_v);
    return {out, 0x9000};
  }

  // C1 id, C8 confirmP, C9 envelope {PIN record w0/L, PIN salt, PIN length, u, device key} -> CA.
  static ResponseApdu activate_finish(const CommandApdu& apdu, AppletContext& ctx) {
    const Fields f(apdu.data);
    const ByteView id = f.id();
    Exchange e = take_exchange(ctx, id, Ins::activate_finish);
    const SecureBytes k = finish_exchange(e, f.require(tag::confirm_p, spake::kMacSize));
    const auto items = open_items(k.view(), Ins::activate_finish, id, {}, f.require(tag::envelope, 0, 1024));
    auto& p = ctx.persistent();
    KeyringMeta m = read_meta(p, id);
    if (m.state != KeyringState::created) throw_sw(Sw::conditions_not_satisfied);
    const ByteView pin_len = item(items, etag::pin_length, 1);
    if (pin_len[0] < m.min_pin_length || pin_len[0] > 64) throw_sw(Sw::incorrect_data);
    const ByteView pin_l = item(items, etag::pin_l, kPoint), device = item(items, etag::device_key, kPoint);
    check_point(pin_l);
    check_point(device);
    const ByteView unlock = item(items, etag::unlock, kp::kUnlockSize);
    m.pin_w0 = SecureBytes(item(items, etag::pin_w0, spake::kScalarSize));
    m.pin_l.assign(pin_l.begin(), pin_l.end());
    const ByteView salt = item(items, etag::pin_salt, kp::kSaltSize);
    m.pin_salt.assign(salt.begin(), salt.end());
    m.device_key.assign(device.begin(), device.end());
    const auto key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
    m.wrapped_key = wrap_key(key_encryption_key(p, unlock, id).view(), id, key);
    m.public_key = key.public_key().to_uncompressed_point();
    m.activation_w0 = SecureBytes();  // the code is spent: its record goes
    m.activation_l.clear();
    m.state = KeyringState::active;
    write_meta(p, id, m);
    write_tries(p, id, {m.try_limit, 0});
    return {response_tlv(tag::public_key, m.public_key), 0x9000};
  }

  // C1 id, CB request id, CC hash, CD description hash, C5 shareP -> C6, C7. The PIN try is spent
  // (durably) before anything else: a prover learns from confirmV whether its guess was right.
  static ResponseApdu approve_start(const CommandApdu& apdu, AppletContext& ctx) {
    const Fields f(apdu.data);
    const ByteView id = f.id();
    const ByteView req = f.require(tag::request_id, 0, kp::kMaxRequestIdSize);
    const ByteView hash = f.require(tag::hash, kp::kHashSize);
    const ByteView dh = f.require(tag::description_hash, kp::kHashSize);
    const ByteView share_p = f.require(tag::share_p, spake::kShareSize);
    auto& p = ctx.persistent();
    const KeyringMeta m = read_meta(p, id);
    if (m.state != KeyringState::active) throw_sw(Sw::conditions_not_satisfied);
    Tries t = read_tries(p, id);
    if (t.pin == 0) throw_sw(Sw::authentication_method_blocked);
    --t.pin;
    write_tries_now(p, id, t);
    auto v = std::make_shared<spake::Verifier>(kp::approval_context(id, req, hash, dh),
                                               spake::VerifierRecord{m.pin_w0, m.pin_l});
    return start(ctx, id, share_p,
                 Exchange{Ins::approve_finish, std::move(v), Bytes(req.begin(), req.end()),
                          Bytes(hash.begin(), hash.end()), Bytes(dh.begin(), dh.end())});
  }

  // C1 id, CB request id, C8 confirmP, C9 envelope {u, device signature} -> CE signature (raw
  // r||s over the hash), CF receipt, D0 receipt signature.
  static ResponseApdu approve_finish(const CommandApdu& apdu, AppletContext& ctx) {
    const Fields f(apdu.data);
    const ByteView id = f.id();
    const ByteView req = f.require(tag::request_id, 0, kp::kMaxRequestIdSize);
    Exchange e = take_exchange(ctx, id, Ins::approve_finish);
    if (!secure_equal(req, e.request_id)) throw_sw(Sw::conditions_not_satisfied);
    const ByteView confirm_p = f.require(tag::confirm_p, spake::kMacSize);
    const SecureBytes k = finish_exchange(e, confirm_p);
    auto& p = ctx.persistent();
    const KeyringMeta m = read_meta(p, id);
    write_tries(p, id, {m.try_limit, 0});  // the PIN was right; kept only if the command succeeds
    const auto items = open_items(k.view(), Ins::approve_finish, id, req, f.require(tag::envelope, 0, 1024));
    const ByteView unlock = item(items, etag::unlock, kp::kUnlockSize);
    const ByteView dsig = item(items, etag::device_signature, 64);
    const Bytes dinput = kp::device_approval_input(id, req, e.hash, e.description_hash, confirm_p);
    if (!crypto::ecdsa_verify(crypto::EcPublicKey::from_point(crypto::Curve::p256, m.device_key),
                              crypto::SignatureHash::sha256, dinput, dsig, crypto::EcdsaFormat::raw))
      throw_sw(Sw::security_status_not_satisfied);
    const auto key = unwrap_key(key_encryption_key(p, unlock, id).view(), id, m.wrapped_key);
    if (!key) throw_sw(Sw::security_status_not_satisfied);
    const Bytes sig = crypto::ecdsa_sign_digest(*key, e.hash, crypto::EcdsaFormat::raw);
    kp::Receipt r;
    r.keyring_id.assign(id.begin(), id.end());
    r.request_id = e.request_id;
    r.description_hash = e.description_hash;
    r.signed_hash = e.hash;
    r.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(ctx.now().time_since_epoch()).count();
    r.terminal_id = kp::terminal_id_of(m.device_key);
    const Bytes receipt = kp::encode_receipt(r);
    const Bytes rsig =
        crypto::ecdsa_sign(receipt_key(p), crypto::SignatureHash::sha256, receipt, crypto::EcdsaFormat::raw);
    Bytes out = response_tlv(tag::signature, sig);
    append_tlv(out, tag::receipt, receipt);
    append_tlv(out, tag::receipt_signature, rsig);
    return {out, 0x9000};
  }

  static ResponseApdu get_info(const CommandApdu& apdu, AppletContext& ctx) {
    const Fields f(apdu.data);
    const ByteView id = f.id();
    auto& p = ctx.persistent();
    const KeyringMeta m = read_meta(p, id);
    const Tries t = read_tries(p, id);
    KeyringState st = m.state;
    if (st == KeyringState::active && t.pin == 0) st = KeyringState::locked;
    Bytes body = response_tlv(tag::keyring_id, id);
    append_tlv(body, tag::state, Bytes{static_cast<std::uint8_t>(st)});
    append_tlv(body, tag::policy, Bytes{m.try_limit, m.min_pin_length});
    append_tlv(body, tag::pin_tries, Bytes{t.pin});
    append_tlv(body, tag::activation_tries, Bytes{t.activation});
    if (!m.public_key.empty()) append_tlv(body, tag::public_key, m.public_key);
    if (!m.device_key.empty()) append_tlv(body, tag::device_key, m.device_key);
    if (!m.pin_salt.empty()) append_tlv(body, tag::pin_salt, m.pin_salt);
    return {tlv_encode(tag::info, body), 0x9000};
  }

  // Secure erasure: every record of the keyring goes (the store drops the sealed rows and its
  // manifest forgets them, so an old copy cannot be put back); the wrapped key never opens without
  // the holder's unlock secret anyway.
  static ResponseApdu destroy(const CommandApdu& apdu, AppletContext& ctx) {
    const Fields f(apdu.data);
    const ByteView id = f.id();
    auto& p = ctx.persistent();
    if (!keyring_exists(p, id)) throw_sw(Sw::referenced_data_not_found);
    erase_keyring(p, id);
    ctx.session<KeyringSession>().exchanges.erase(to_hex(id));
    return {};
  }
};

}  // namespace

card::AppletModule module() {
  return {.name = kModuleName,
          .load_file_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 0x00, 0x07},
          .module_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 0x00, 0x07, 0x01},
          .default_instance_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 0x07},
          .multi_selectable = true,
          .factory = [] { return make_keyring_applet(); }};
}

std::unique_ptr<card::Applet> make_keyring_applet() {
  return std::make_unique<KeyringApplet>();
}

}  // namespace sesame::applets::keyring
