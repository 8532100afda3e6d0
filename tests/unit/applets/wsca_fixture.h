// One card holding the WSCA applet, driven by raw APDUs built here independently of the host-side
// client (host/wsca): the device signature, the PIN envelope and the TLV fields are assembled by
// the test itself, so a test can alter any of them. The card's clock is the test's `now`.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "applets/builtin.h"
#include "applets/wsca/wsca_applet.h"
#include "card/card.h"
#include "crypto/ec_key.h"
#include "crypto/ecdh_envelope.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "iso7816/apdu.h"
#include "iso7816/wsca_protocol.h"
#include "store/memory_store.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::applets::wsca::testing {

using namespace iso7816::wsca;  // NOLINT

inline Bytes u32b(std::uint32_t v) {
  Bytes b;
  put_u32(b, v);
  return b;
}
inline Bytes ascii(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

// The pieces of a device-signed envelope command, open to tampering before it is sent.
struct SignedCommand {
  Ins ins;
  std::uint32_t unit;
  Bytes challenge;
  Bytes device_field;  // C3 (ACTIVATE only)
  crypto::EcdhEnvelope envelope;
  Bytes operation;  // D5 (AUTHENTICATE bound to one operation)
};

// D5: INS || P1 || SHA-256(data), computed here with OpenSSL's one-shot SHA256 through crypto::hash.
inline Bytes binding_of(Ins ins, std::uint8_t p1, ByteView data) {
  Bytes b{static_cast<std::uint8_t>(ins), p1};
  append(b, crypto::sha256(data));
  return b;
}

// Builds and sends WSCA commands; transmit() reaches the card.
class WscaDriver {
 public:
  virtual ~WscaDriver() = default;
  virtual Bytes transmit(ByteView apdu) = 0;

  iso7816::ResponseApdu tx(const iso7816::CommandApdu& c) {
    return iso7816::ResponseApdu::parse(transmit(c.encode()));
  }
  // Short APDUs, extended ones when the data needs it or `extended_le` asks for Le = 0000.
  iso7816::ResponseApdu send(Ins ins, ByteView data, std::uint8_t p1 = 0, int channel = 0,
                             bool extended_le = false) {
    iso7816::CommandApdu c;
    c.cla = static_cast<std::uint8_t>(kCla | channel);
    c.ins = static_cast<std::uint8_t>(ins);
    c.p1 = p1;
    c.data.assign(data.begin(), data.end());
    c.ne = 256;
    if (c.data.size() > 255 || extended_le) c.ne = 65536;
    return tx(c);
  }
  std::uint16_t sw(Ins ins, ByteView data, std::uint8_t p1 = 0, int channel = 0) {
    return send(ins, data, p1, channel).sw;
  }
  void select(int channel) {
    iso7816::CommandApdu c;
    c.cla = static_cast<std::uint8_t>(channel);
    c.ins = 0xA4;
    c.p1 = 0x04;
    c.p2 = 0x0C;
    c.data = aid;
    ASSERT_EQ(tx(c).sw, 0x9000);
  }
  void open_channel(int channel) {
    iso7816::CommandApdu c;
    c.ins = 0x70;
    c.p2 = static_cast<std::uint8_t>(channel);
    ASSERT_EQ(tx(c).sw, 0x9000);
    select(channel);
  }

  static Bytes unit_field(std::uint32_t unit) { return tlv_encode(tag::unit_id, u32b(unit)); }
  static Bytes unit_key(std::uint32_t unit, std::uint32_t key) {
    Bytes d = unit_field(unit);
    append_tlv(d, tag::key_id, u32b(key));
    return d;
  }

  std::uint32_t create(std::optional<std::string> puk = std::string("12345678")) {
    Bytes d;
    if (puk) append_tlv(d, tag::puk, ascii(*puk));
    const auto r = send(Ins::create_unit, d);
    EXPECT_EQ(r.sw, 0x9000);
    return get_u32(parse_tlv(r.data).at(0).value());
  }
  Tlv unit_info(std::uint32_t unit) {
    const auto r = send(Ins::get_unit_info, unit_field(unit));
    EXPECT_EQ(r.sw, 0x9000);
    return parse_one(r.data);
  }
  std::uint8_t pin_tries(std::uint32_t unit) { return unit_info(unit).require(tag::pin_tries).value().at(0); }
  crypto::EcPublicKey ka_key(std::uint32_t unit) {
    return crypto::EcPublicKey::from_point(crypto::Curve::p256,
                                           unit_info(unit).require(tag::ka_public_key).value());
  }
  Bytes challenge(std::uint32_t unit, int channel = 0) {
    const auto r = send(Ins::get_challenge, unit_field(unit), 0, channel);
    EXPECT_EQ(r.sw, 0x9000);
    return r.data;
  }

  // A fresh challenge and an envelope holding `plaintext`, sealed as the applet expects.
  SignedCommand prepare(Ins ins, std::uint32_t unit, ByteView plaintext, int channel = 0) {
    SignedCommand c{ins, unit, challenge(unit, channel), {}, {}, {}};
    c.envelope = crypto::ecdh_envelope_seal(ka_key(unit), c.challenge, as_bytes(kEnvelopeInfo),
                                            envelope_aad(ins, unit), plaintext);
    return c;
  }
  static Bytes body(const SignedCommand& c) {
    Bytes d = unit_field(c.unit);
    if (!c.device_field.empty()) append_tlv(d, tag::device_key, c.device_field);
    if (!c.operation.empty()) append_tlv(d, tag::operation, c.operation);
    append_tlv(d, tag::ephemeral_key, c.envelope.ephemeral_point);
    append_tlv(d, tag::envelope, concat({c.envelope.iv, c.envelope.box}));
    return d;
  }
  static Bytes signed_data(const SignedCommand& c, const crypto::EcPrivateKey& signer) {
    Bytes d = body(c);
    append_tlv(d, tag::signature,
               crypto::ecdsa_sign(signer, crypto::SignatureHash::sha256,
                                  auth_signing_input(c.ins, c.challenge, d), crypto::EcdsaFormat::raw));
    return d;
  }
  std::uint16_t send_signed(const SignedCommand& c, const crypto::EcPrivateKey& signer, int channel = 0) {
    return sw(c.ins, signed_data(c, signer), 0, channel);
  }
  static Bytes pin_tlv(const std::string& pin, std::uint32_t t = envelope_tag::pin) {
    return tlv_encode(t, ascii(pin));
  }

  std::uint16_t activate(std::uint32_t unit, const crypto::EcPrivateKey& device, const std::string& pin) {
    auto c = prepare(Ins::activate, unit, pin_tlv(pin));
    c.device_field = device.public_key().to_uncompressed_point();
    return send_signed(c, device);
  }
  std::uint16_t authenticate(std::uint32_t unit, const crypto::EcPrivateKey& device, const std::string& pin,
                             int channel = 0) {
    return send_signed(prepare(Ins::authenticate, unit, pin_tlv(pin), channel), device, channel);
  }
  // AUTHENTICATE bound to the command (ins, p1, data).
  std::uint16_t authenticate_for(std::uint32_t unit, const crypto::EcPrivateKey& device, const std::string& pin,
                                 Ins ins, std::uint8_t p1, ByteView data) {
    auto c = prepare(Ins::authenticate, unit, pin_tlv(pin));
    c.operation = binding_of(ins, p1, data);
    return send_signed(c, device);
  }
  static Bytes sign_data(std::uint32_t unit, std::uint32_t key, ByteView digest) {
    Bytes d = unit_key(unit, key);
    append_tlv(d, tag::digest, digest);
    return d;
  }
  // A unit created, activated with `device` and PIN 123456, and authenticated on channel 0.
  std::uint32_t active_unit(const crypto::EcPrivateKey& device) {
    const std::uint32_t u = create();
    EXPECT_EQ(activate(u, device, "123456"), 0x9000);
    return u;
  }
  // GENERATE KEY; returns the E0 template.
  Tlv generate(std::uint32_t unit, CurveCode curve = CurveCode::p256, KeyPolicy policy = KeyPolicy::session,
               std::optional<std::uint16_t> window = std::nullopt) {
    Bytes d = unit_field(unit);
    append_tlv(d, tag::curve, Bytes{static_cast<std::uint8_t>(curve)});
    append_tlv(d, tag::policy, Bytes{static_cast<std::uint8_t>(policy)});
    if (window) {
      Bytes w;
      put_u16(w, *window);
      append_tlv(d, tag::window, w);
    }
    const auto r = send(Ins::generate_key, d);
    EXPECT_EQ(r.sw, 0x9000);
    return parse_one(r.data);
  }
  static std::uint32_t key_id(const Tlv& t) { return get_u32(t.require(tag::key_id).value()); }
  iso7816::ResponseApdu sign(std::uint32_t unit, std::uint32_t key, ByteView digest, bool der = false,
                             int channel = 0) {
    Bytes d = unit_key(unit, key);
    append_tlv(d, tag::digest, digest);
    return send(Ins::sign, d, der ? kSignDer : kSignRaw, channel);
  }

  Bytes aid = module().default_instance_aid;
};

// A card with the WSCA applet over a memory store; its clock is `now`.
class WscaFixture : public WscaDriver {
 public:
  explicit WscaFixture(ByteView install_params = {})
      : store(store::open_memory_store(crypto::random_secret(32))) {
    store->create_card("wsca");
    card::Card::initialise(*store->open_card("wsca"), "");
    card = std::make_unique<card::Card>("wsca", store->open_card("wsca"), registry, [this] { return now; });
    card->install_applet(kModuleName, aid, install_params);
    select(0);
  }
  Bytes transmit(ByteView apdu) override { return card->transmit(apdu); }

  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  std::unique_ptr<store::Store> store;
  card::AppletRegistry registry = builtin_registry();
  std::unique_ptr<card::Card> card;
};

}  // namespace sesame::applets::wsca::testing
