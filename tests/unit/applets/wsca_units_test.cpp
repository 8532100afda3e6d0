// The WSCA applet's unit life cycle (docs/WSCA.md): CREATE UNIT, ACTIVATE, AUTHENTICATE (device
// signature checked before a PIN try is counted; the PIN sealed end to end), lockout, UNBLOCK with
// the PUK, the provider's authentication and unblock, LOGOUT, DELETE UNIT, GET UNIT INFO.
#include <gtest/gtest.h>

#include "wsca_fixture.h"

namespace sesame::applets::wsca::testing {
namespace {

class WscaUnitsTest : public ::testing::Test, public WscaFixture {
 protected:
  crypto::EcPrivateKey device = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  crypto::EcPrivateKey intruder = crypto::EcPrivateKey::generate(crypto::Curve::p256);
};

TEST_F(WscaUnitsTest, CreateActivateAuthenticate) {
  const std::uint32_t u = create();
  EXPECT_EQ(u, 1u);
  EXPECT_EQ(create(), 2u) << "unit ids are allocated in order";
  Tlv info = unit_info(u);
  EXPECT_EQ(info.require(tag::unit_state).value(), Bytes{0x01});
  EXPECT_EQ(info.find(tag::pin_tries), nullptr) << "no PIN before activation";
  EXPECT_EQ(info.require(tag::puk_tries).value(), Bytes{5});
  EXPECT_EQ(authenticate(u, device, "123456"), 0x6985) << "not active yet";

  ASSERT_EQ(activate(u, device, "123456"), 0x9000);
  info = unit_info(u);
  EXPECT_EQ(info.require(tag::unit_state).value(), Bytes{0x02});
  EXPECT_EQ(info.require(tag::device_key).value(), device.public_key().to_uncompressed_point());
  EXPECT_EQ(info.require(tag::pin_tries).value(), Bytes{5});
  EXPECT_EQ(activate(u, device, "654321"), 0x6985) << "a unit is activated once";
  EXPECT_EQ(authenticate(u, device, "123456"), 0x9000);
  EXPECT_EQ(sw(Ins::get_unit_info, unit_field(77)), 0x6A88);
  EXPECT_EQ(sw(Ins::get_challenge, unit_field(77)), 0x6A88);
}

TEST_F(WscaUnitsTest, PinMustHaveAtLeastSixDigits) {
  const std::uint32_t u = create();
  EXPECT_EQ(activate(u, device, "12345"), 0x6A80);
  EXPECT_EQ(activate(u, device, "12345a"), 0x6A80);
  EXPECT_EQ(activate(u, device, "123456"), 0x9000);
}

TEST_F(WscaUnitsTest, ActivationIsBoundToTheExpectedDeviceKeyWhenTheProviderGaveOne) {
  Bytes d;
  append_tlv(d, tag::device_key, device.public_key().to_uncompressed_point());
  const auto r = send(Ins::create_unit, d);
  ASSERT_EQ(r.sw, 0x9000);
  const std::uint32_t u = get_u32(parse_tlv(r.data).at(0).value());
  EXPECT_EQ(activate(u, intruder, "123456"), 0x6982);
  EXPECT_EQ(activate(u, device, "123456"), 0x9000);
}

TEST_F(WscaUnitsTest, ActivationSignatureMustComeFromTheRegisteredKey) {
  const std::uint32_t u = create();
  auto c = prepare(Ins::activate, u, pin_tlv("123456"));
  c.device_field = device.public_key().to_uncompressed_point();
  EXPECT_EQ(send_signed(c, intruder), 0x6982) << "signed by another key than the one registered";
  EXPECT_EQ(unit_info(u).require(tag::unit_state).value(), Bytes{0x01});
}

// Threat: a remote attacker without the device key locks the user out by guessing PINs.
TEST_F(WscaUnitsTest, NoPinTryIsCountedWithoutAValidDeviceSignature) {
  const std::uint32_t u = active_unit(device);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(authenticate(u, intruder, "000000"), 0x6982);
  EXPECT_EQ(pin_tries(u), 5) << "20 attempts without the device key spent no try";
  // Without a challenge, or replaying a used one: refused before anything else.
  auto c = prepare(Ins::authenticate, u, pin_tlv("000000"));
  const Bytes replay = signed_data(c, device);
  EXPECT_EQ(sw(Ins::authenticate, replay), 0x63C4);
  EXPECT_EQ(sw(Ins::authenticate, replay), 0x6985) << "the challenge is one-time";
  challenge(u);
  EXPECT_EQ(sw(Ins::authenticate, replay), 0x6982) << "an old signature does not cover the new challenge";
  EXPECT_EQ(pin_tries(u), 4);
}

TEST_F(WscaUnitsTest, WrongPinsLockTheUnitAfterFiveTries) {
  const std::uint32_t u = active_unit(device);
  EXPECT_EQ(authenticate(u, device, "111111"), 0x63C4);
  EXPECT_EQ(authenticate(u, device, "123456"), 0x9000) << "success restores the counter";
  EXPECT_EQ(pin_tries(u), 5);
  const auto wait = [this] { now += std::chrono::seconds(pin_delay_after(5)); };  // past every delay
  for (std::uint8_t left = 4; left > 0; --left) {
    wait();
    EXPECT_EQ(authenticate(u, device, "111111"), 0x63C0 | left);
  }
  wait();
  EXPECT_EQ(authenticate(u, device, "111111"), 0x63C0);
  wait();
  EXPECT_EQ(authenticate(u, device, "123456"), 0x6983) << "blocked: even the right PIN";
  EXPECT_EQ(pin_tries(u), 0);
  EXPECT_EQ(sw(Ins::generate_key, unit_field(u)), 0x6982) << "a failed attempt ended the authentication";
}

// Escalating delays on top of the try limit, on the card runtime's clock (the fixture's `now`).
TEST_F(WscaUnitsTest, WrongPinsEscalateDelaysThatAreDurableAndCostNoTry) {
  const std::uint32_t u = active_unit(device);
  const auto delay = [&]() -> std::uint32_t {
    const Tlv info = unit_info(u);
    const Tlv* d = info.find(tag::pin_delay);
    return d ? get_u32(d->value()) : 0;
  };
  EXPECT_EQ(authenticate(u, device, "111111"), 0x63C4);
  EXPECT_EQ(delay(), 0u) << "no delay after a single wrong PIN";
  EXPECT_EQ(authenticate(u, device, "111111"), 0x63C3);
  EXPECT_EQ(delay(), 30u);
  EXPECT_EQ(authenticate(u, device, "123456"), kSwPinDelay) << "even the right PIN waits";
  EXPECT_EQ(authenticate(u, intruder, "123456"), 0x6982) << "the device signature is still checked first";
  now += std::chrono::seconds(29);
  EXPECT_EQ(authenticate(u, device, "111111"), kSwPinDelay);
  EXPECT_EQ(pin_tries(u), 3) << "attempts during a delay count no try";
  now += std::chrono::seconds(1);
  EXPECT_EQ(authenticate(u, device, "111111"), 0x63C2);
  EXPECT_EQ(delay(), 120u) << "the delay grows with each wrong PIN";
  // Durable: a new card object over the same store (as after a restart) still enforces it.
  card = std::make_unique<card::Card>("wsca", store->open_card("wsca"), registry, [this] { return now; });
  select(0);
  now += std::chrono::seconds(60);
  EXPECT_EQ(delay(), 60u);
  EXPECT_EQ(authenticate(u, device, "123456"), kSwPinDelay);
  now += std::chrono::seconds(60);
  EXPECT_EQ(authenticate(u, device, "123456"), 0x9000) << "after the delay the right PIN works";
  EXPECT_EQ(delay(), 0u);
  EXPECT_EQ(pin_tries(u), 5);
  EXPECT_EQ(authenticate(u, device, "111111"), 0x63C4) << "a success started the count again";
  EXPECT_EQ(delay(), 0u);
  // The PUK unblock ends a running delay too.
  EXPECT_EQ(authenticate(u, device, "111111"), 0x63C3);
  EXPECT_EQ(send_signed(prepare(Ins::unblock, u, pin_tlv("12345678", envelope_tag::puk)), device), 0x9000);
  EXPECT_EQ(delay(), 0u);
  EXPECT_EQ(authenticate(u, device, "123456"), 0x9000);
}

TEST_F(WscaUnitsTest, TheCounterIsDurableBeforeTheComparison) {
  const std::uint32_t u = active_unit(device);
  EXPECT_EQ(authenticate(u, device, "111111"), 0x63C4);
  card = std::make_unique<card::Card>("wsca", store->open_card("wsca"), registry, [this] { return now; });
  select(0);
  EXPECT_EQ(pin_tries(u), 4);
}

// Threat: a TLS terminator (or anyone on the path) reads or alters the PIN.
TEST_F(WscaUnitsTest, AlteredPinEnvelopesAreRefusedWithoutCountingATry) {
  const std::uint32_t u = active_unit(device);
  {  // altered on the way: the device signature no longer verifies
    auto c = prepare(Ins::authenticate, u, pin_tlv("123456"));
    Bytes d = signed_data(c, device);
    const std::size_t box_at = d.size() - 66 - 10;  // a byte of the envelope's ciphertext
    d[box_at] ^= 0x01;
    EXPECT_EQ(sw(Ins::authenticate, d), 0x6982);
  }
  {  // altered and re-signed by the device itself: the envelope's tag refuses it
    auto c = prepare(Ins::authenticate, u, pin_tlv("123456"));
    c.envelope.box[0] ^= 0x01;
    EXPECT_EQ(send_signed(c, device), 0x6A80);
  }
  {  // a replaced ephemeral key
    auto c = prepare(Ins::authenticate, u, pin_tlv("123456"));
    c.envelope.ephemeral_point =
        crypto::EcPrivateKey::generate(crypto::Curve::p256).public_key().to_uncompressed_point();
    EXPECT_EQ(send_signed(c, device), 0x6A80);
  }
  {  // sealed to another unit's key-agreement key
    const std::uint32_t other = create();
    auto c = prepare(Ins::authenticate, u, pin_tlv("123456"));
    c.envelope = crypto::ecdh_envelope_seal(ka_key(other), c.challenge, as_bytes(kEnvelopeInfo),
                                            envelope_aad(Ins::authenticate, u), pin_tlv("123456"));
    EXPECT_EQ(send_signed(c, device), 0x6A80);
  }
  {  // sealed for another command (ACTIVATE's associated data)
    auto c = prepare(Ins::authenticate, u, pin_tlv("123456"));
    c.envelope = crypto::ecdh_envelope_seal(ka_key(u), c.challenge, as_bytes(kEnvelopeInfo),
                                            envelope_aad(Ins::activate, u), pin_tlv("123456"));
    EXPECT_EQ(send_signed(c, device), 0x6A80);
  }
  {  // sealed under an old challenge (salt)
    auto c = prepare(Ins::authenticate, u, pin_tlv("123456"));
    const Bytes old = c.challenge;
    c.challenge = challenge(u);
    c.envelope = crypto::ecdh_envelope_seal(ka_key(u), old, as_bytes(kEnvelopeInfo),
                                            envelope_aad(Ins::authenticate, u), pin_tlv("123456"));
    EXPECT_EQ(send_signed(c, device), 0x6A80);
  }
  EXPECT_EQ(pin_tries(u), 5);
  EXPECT_EQ(authenticate(u, device, "123456"), 0x9000);
}

TEST_F(WscaUnitsTest, UnblockWithThePukSetsANewPin) {
  const std::uint32_t u = active_unit(device);
  for (int i = 0; i < 5; ++i) {
    now += std::chrono::seconds(pin_delay_after(5));  // past every delay
    authenticate(u, device, "999999");
  }
  ASSERT_EQ(pin_tries(u), 0);
  Bytes wrong = pin_tlv("87654321", envelope_tag::puk);
  append(wrong, pin_tlv("24680246", envelope_tag::new_pin));
  EXPECT_EQ(send_signed(prepare(Ins::unblock, u, wrong), device), 0x63C4);
  EXPECT_EQ(send_signed(prepare(Ins::unblock, u, wrong), intruder), 0x6982)
      << "no PUK try without the device";
  EXPECT_EQ(unit_info(u).require(tag::puk_tries).value(), Bytes{4});
  Bytes shortpin = pin_tlv("12345678", envelope_tag::puk);
  append(shortpin, pin_tlv("123", envelope_tag::new_pin));
  EXPECT_EQ(send_signed(prepare(Ins::unblock, u, shortpin), device), 0x6A80);
  EXPECT_EQ(unit_info(u).require(tag::puk_tries).value(), Bytes{4}) << "new PIN checked before the PUK";
  Bytes right = pin_tlv("12345678", envelope_tag::puk);
  append(right, pin_tlv("24680246", envelope_tag::new_pin));
  EXPECT_EQ(send_signed(prepare(Ins::unblock, u, right), device), 0x9000);
  EXPECT_EQ(pin_tries(u), 5);
  EXPECT_EQ(unit_info(u).require(tag::puk_tries).value(), Bytes{5});
  EXPECT_EQ(authenticate(u, device, "123456"), 0x63C4);
  EXPECT_EQ(authenticate(u, device, "24680246"), 0x9000);
}

TEST_F(WscaUnitsTest, WithoutAPukThereIsNoUserUnblock) {
  const std::uint32_t u = create(std::nullopt);
  ASSERT_EQ(activate(u, device, "123456"), 0x9000);
  EXPECT_EQ(unit_info(u).find(tag::puk_tries), nullptr);
  EXPECT_EQ(send_signed(prepare(Ins::unblock, u, pin_tlv("12345678", envelope_tag::puk)), device), 0x6984);
}

TEST_F(WscaUnitsTest, LogoutEndsTheAuthentication) {
  const std::uint32_t u = active_unit(device);
  EXPECT_EQ(sw(Ins::put_data,
               [&] {
                 Bytes d = unit_field(u);
                 append_tlv(d, tag::object_id, Bytes{0, 1});
                 append_tlv(d, tag::object_value, Bytes{1});
                 return d;
               }()),
            0x9000);
  EXPECT_EQ(sw(Ins::logout, unit_field(u)), 0x9000);
  Bytes get = unit_field(u);
  append_tlv(get, tag::object_id, Bytes{0, 1});
  EXPECT_EQ(sw(Ins::get_data, get), 0x6982);
}

TEST_F(WscaUnitsTest, DeleteUnitNeedsTheUserAndErasesEveryRecord) {
  const std::uint32_t u = active_unit(device);
  const std::uint32_t keep = active_unit(device);
  generate(u);
  EXPECT_EQ(sw(Ins::logout, unit_field(u)), 0x9000);
  EXPECT_EQ(sw(Ins::delete_unit, unit_field(u)), 0x6982);
  ASSERT_EQ(authenticate(u, device, "123456"), 0x9000);
  EXPECT_EQ(sw(Ins::delete_unit, unit_field(u)), 0x9000);
  EXPECT_EQ(sw(Ins::get_unit_info, unit_field(u)), 0x6A88);
  EXPECT_EQ(sw(Ins::delete_unit, unit_field(u)), 0x6A88);
  const auto records = store->open_card("wsca")->load();
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "/u/%08x/", u);
  for (const auto& [key, value] : records) EXPECT_EQ(key.find(prefix), std::string::npos) << key;
  EXPECT_EQ(unit_info(keep).require(tag::unit_state).value(), Bytes{0x02}) << "the other unit is untouched";
  EXPECT_EQ(create(), keep + 1) << "a deleted unit's id is never given out again";
}

class WscaProviderTest : public ::testing::Test, public WscaFixture {
 protected:
  WscaProviderTest() : WscaFixture(tlv_encode(0x81, provider_key().public_key().to_uncompressed_point())) {}
  static const crypto::EcPrivateKey& provider_key() {
    static const auto k = crypto::EcPrivateKey::generate(crypto::Curve::p256);
    return k;
  }
  std::uint16_t provider_auth(const crypto::EcPrivateKey& key) {
    const Bytes chal = challenge(kProviderUnit);
    const Bytes sig = crypto::ecdsa_sign(key, crypto::SignatureHash::sha256,
                                         auth_signing_input(Ins::provider_authenticate, chal, {}),
                                         crypto::EcdsaFormat::raw);
    return sw(Ins::provider_authenticate, tlv_encode(tag::signature, sig));
  }
  crypto::EcPrivateKey device = crypto::EcPrivateKey::generate(crypto::Curve::p256);
};

TEST_F(WscaProviderTest, CreatingUnitsNeedsTheProvider) {
  EXPECT_EQ(sw(Ins::create_unit, {}), 0x6982);
  EXPECT_EQ(provider_auth(crypto::EcPrivateKey::generate(crypto::Curve::p256)), 0x6982);
  EXPECT_EQ(sw(Ins::create_unit, {}), 0x6982);
  EXPECT_EQ(provider_auth(provider_key()), 0x9000);
  EXPECT_EQ(sw(Ins::create_unit, {}), 0x9000);
}

TEST_F(WscaProviderTest, ProviderUnblockRestoresTheTriesAndKeepsThePin) {
  ASSERT_EQ(provider_auth(provider_key()), 0x9000);
  const std::uint32_t u = active_unit(device);
  select(0);  // a new session: the provider is no longer authenticated
  for (int i = 0; i < 5; ++i) {
    now += std::chrono::seconds(pin_delay_after(5));  // past every delay
    authenticate(u, device, "999999");
  }
  EXPECT_EQ(sw(Ins::provider_unblock, unit_field(u)), 0x6982);
  ASSERT_EQ(provider_auth(provider_key()), 0x9000);
  EXPECT_EQ(sw(Ins::provider_unblock, unit_field(u)), 0x9000);
  EXPECT_EQ(pin_tries(u), 5);
  EXPECT_EQ(authenticate(u, device, "123456"), 0x9000);
}

TEST_F(WscaUnitsTest, ProviderCommandsNeedAProviderKey) {
  EXPECT_EQ(sw(Ins::get_challenge, unit_field(kProviderUnit)), 0x6985);
  EXPECT_EQ(sw(Ins::provider_authenticate, tlv_encode(tag::signature, Bytes(64, 1))), 0x6985);
  const std::uint32_t u = active_unit(device);
  EXPECT_EQ(sw(Ins::provider_unblock, unit_field(u)), 0x6982);
}

TEST_F(WscaUnitsTest, MalformedCommands) {
  const std::uint32_t u = active_unit(device);
  iso7816::CommandApdu c;
  c.ins = 0x14;
  c.data = unit_field(u);
  EXPECT_EQ(tx(c).sw, 0x6E00) << "interindustry class";
  EXPECT_EQ(sw(static_cast<Ins>(0x40), {}), 0x6D00);
  EXPECT_EQ(sw(Ins::get_unit_info, unit_field(u), 0x01), 0x6A86);
  EXPECT_EQ(sw(Ins::get_unit_info, Bytes{0xC0, 0x05, 0, 0}), 0x6A80) << "truncated TLV";
  EXPECT_EQ(sw(Ins::get_unit_info, tlv_encode(tag::unit_id, Bytes{0, 1})), 0x6A80) << "short unit id";
  EXPECT_EQ(sw(Ins::get_unit_info, unit_field(0)), 0x6A80) << "unit 0 is the provider";
  Bytes dup = unit_field(u);
  append(dup, unit_field(u + 1));
  EXPECT_EQ(sw(Ins::get_unit_info, dup), 0x6A80) << "duplicate objects";
  Bytes sig_first = tlv_encode(tag::signature, Bytes(64, 0));
  append(sig_first, unit_field(u));
  EXPECT_EQ(sw(Ins::authenticate, sig_first), 0x6A80) << "the signature must be last";
}

}  // namespace
}  // namespace sesame::applets::wsca::testing
