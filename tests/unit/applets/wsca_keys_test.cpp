// The WSCA applet's keys and data objects (docs/WSCA.md): GENERATE KEY on every curve, SIGN (raw
// and DER, verified against the public key the applet reports), ECDH (checked against the peer's
// own computation), per-key policies, key information, LIST/DELETE KEY, pseudonym data objects,
// and the isolation of units from each other.
#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "wsca_fixture.h"

namespace sesame::applets::wsca::testing {
namespace {

class WscaKeysTest : public ::testing::Test, public WscaFixture {
 protected:
  crypto::EcPublicKey public_key(const Tlv& t, crypto::Curve curve) {
    return crypto::EcPublicKey::from_point(curve, t.require(tag::public_key).value());
  }
  Bytes data_fields(std::uint32_t unit, std::uint16_t id, std::optional<Bytes> value = std::nullopt) {
    Bytes d = unit_field(unit);
    Bytes oid;
    put_u16(oid, id);
    append_tlv(d, tag::object_id, oid);
    if (value) append_tlv(d, tag::object_value, *value);
    return d;
  }
  crypto::EcPrivateKey device = crypto::EcPrivateKey::generate(crypto::Curve::p256);
};

TEST_F(WscaKeysTest, GenerateAndSignOnEveryCurveRawAndDer) {
  const std::uint32_t u = active_unit(device);
  const struct {
    CurveCode code;
    crypto::Curve curve;
  } curves[] = {{CurveCode::p256, crypto::Curve::p256},
                {CurveCode::p384, crypto::Curve::p384},
                {CurveCode::brainpool_p256r1, crypto::Curve::brainpool_p256r1}};
  for (const auto& c : curves) {
    SCOPED_TRACE(static_cast<int>(c.code));
    const Tlv t = generate(u, c.code);
    EXPECT_EQ(t.require(tag::curve).value(), Bytes{static_cast<std::uint8_t>(c.code)});
    EXPECT_EQ(t.require(tag::key_flags).value(), Bytes{0x03}) << "generated in the WSCA, never extractable";
    const auto pub = public_key(t, c.curve);
    const Bytes digest = crypto::sha256(as_bytes("message to sign"));
    const auto raw = sign(u, key_id(t), digest);
    ASSERT_EQ(raw.sw, 0x9000);
    EXPECT_EQ(raw.data.size(), 2 * crypto::field_size(c.curve));
    EXPECT_TRUE(crypto::ecdsa_verify_digest(pub, digest, raw.data, crypto::EcdsaFormat::raw));
    const auto der = sign(u, key_id(t), digest, true);
    ASSERT_EQ(der.sw, 0x9000);
    EXPECT_EQ(der.data.at(0), 0x30);
    EXPECT_TRUE(crypto::ecdsa_verify_digest(pub, digest, der.data, crypto::EcdsaFormat::der));
    EXPECT_FALSE(crypto::ecdsa_verify_digest(pub, crypto::sha256(as_bytes("other")), der.data));
  }
  // Key information and the list agree with what GENERATE KEY said.
  const auto list = send(Ins::list_keys, unit_field(u));
  ASSERT_EQ(list.sw, 0x9000);
  EXPECT_EQ(to_hex(list.data), "CA0400000001CA0400000002CA0400000003");
  const auto info = send(Ins::get_key_info, unit_key(u, 2));
  ASSERT_EQ(info.sw, 0x9000);
  EXPECT_EQ(parse_one(info.data).require(tag::curve).value(), Bytes{0x02});
}

TEST_F(WscaKeysTest, DefaultsAreP256SessionPolicyAndBadParametersAreRefused) {
  const std::uint32_t u = active_unit(device);
  const auto r = send(Ins::generate_key, unit_field(u));
  ASSERT_EQ(r.sw, 0x9000);
  const Tlv t = parse_one(r.data);
  EXPECT_EQ(t.require(tag::curve).value(), Bytes{0x01});
  EXPECT_EQ(t.require(tag::policy).value(), Bytes{0x00});
  EXPECT_EQ(t.require(tag::window).value(), (Bytes{0x01, 0x2C}));
  Bytes labelled = unit_field(u);
  append_tlv(labelled, tag::label, ascii("my key"));
  const auto l = send(Ins::generate_key, labelled);
  ASSERT_EQ(l.sw, 0x9000);
  EXPECT_EQ(parse_one(l.data).require(tag::label).value(), ascii("my key"));
  EXPECT_EQ(parse_one(send(Ins::get_key_info, unit_key(u, key_id(parse_one(l.data)))).data)
                .require(tag::label)
                .value(),
            ascii("my key"));
  Bytes long_label = unit_field(u);
  append_tlv(long_label, tag::label, Bytes(kMaxLabel + 1, 'x'));
  EXPECT_EQ(sw(Ins::generate_key, long_label), 0x6A80);
  Bytes bad_curve = unit_field(u);
  append_tlv(bad_curve, tag::curve, Bytes{0x09});
  EXPECT_EQ(sw(Ins::generate_key, bad_curve), 0x6A80);
  Bytes bad_policy = unit_field(u);
  append_tlv(bad_policy, tag::policy, Bytes{0x07});
  EXPECT_EQ(sw(Ins::generate_key, bad_policy), 0x6A80);
  EXPECT_EQ(sign(u, 1, Bytes(65, 1)).sw, 0x6A80) << "digest longer than 64 bytes";
  EXPECT_EQ(sign(u, 1, Bytes(32, 1)).sw == 0x9000, true);
  Bytes p1 = unit_key(u, 1);
  append_tlv(p1, tag::digest, Bytes(32, 1));
  EXPECT_EQ(sw(Ins::sign, p1, 0x02), 0x6A86);
}

TEST_F(WscaKeysTest, EverythingButPublicInformationNeedsTheUser) {
  const std::uint32_t u = active_unit(device);
  const std::uint32_t k = key_id(generate(u));
  ASSERT_EQ(sw(Ins::logout, unit_field(u)), 0x9000);
  EXPECT_EQ(sw(Ins::generate_key, unit_field(u)), 0x6982);
  EXPECT_EQ(sign(u, k, Bytes(32, 7)).sw, 0x6982);
  EXPECT_EQ(sw(Ins::delete_key, unit_key(u, k)), 0x6982);
  EXPECT_EQ(sw(Ins::get_data, data_fields(u, 1)), 0x6982);
  EXPECT_EQ(sw(Ins::get_key_info, unit_key(u, k)), 0x9000) << "public information";
  EXPECT_EQ(sw(Ins::list_keys, unit_field(u)), 0x9000);
  select(0);
  EXPECT_EQ(authenticate(u, device, "123456"), 0x9000);
  select(0);  // reselection clears the session
  EXPECT_EQ(sign(u, k, Bytes(32, 7)).sw, 0x6982);
}

TEST_F(WscaKeysTest, SessionKeysWorkWithinTheirWindow) {
  const std::uint32_t u = active_unit(device);
  const std::uint32_t k = key_id(generate(u, CurveCode::p256, KeyPolicy::session, 60));
  EXPECT_EQ(sign(u, k, Bytes(32, 1)).sw, 0x9000);
  now += std::chrono::seconds(60);
  EXPECT_EQ(sign(u, k, Bytes(32, 1)).sw, 0x9000);
  now += std::chrono::seconds(1);
  EXPECT_EQ(sign(u, k, Bytes(32, 1)).sw, 0x6982) << "window over";
  ASSERT_EQ(authenticate(u, device, "123456"), 0x9000);
  EXPECT_EQ(sign(u, k, Bytes(32, 1)).sw, 0x9000);
  now -= std::chrono::seconds(10);
  EXPECT_EQ(sign(u, k, Bytes(32, 1)).sw, 0x6982) << "a clock that went back ends the window";
}

TEST_F(WscaKeysTest, PerUseKeysNeedAnAuthenticationForEveryUse) {
  const std::uint32_t u = active_unit(device);
  const std::uint32_t k = key_id(generate(u, CurveCode::p256, KeyPolicy::per_use));
  const std::uint32_t s = key_id(generate(u));
  EXPECT_EQ(sign(u, k, Bytes(32, 1)).sw, 0x9000) << "activation counts as an authentication";
  EXPECT_EQ(sign(u, k, Bytes(32, 1)).sw, 0x6982);
  EXPECT_EQ(sign(u, s, Bytes(32, 1)).sw, 0x9000) << "session keys are not affected";
  ASSERT_EQ(authenticate(u, device, "123456"), 0x9000);
  EXPECT_EQ(sign(u, k, Bytes(32, 1)).sw, 0x9000);
  EXPECT_EQ(sign(u, k, Bytes(32, 1)).sw, 0x6982);
  EXPECT_EQ(parse_one(send(Ins::get_key_info, unit_key(u, k)).data).require(tag::policy).value(),
            Bytes{0x01});
}

TEST_F(WscaKeysTest, EcdhAgreesWithThePeer) {
  const std::uint32_t u = active_unit(device);
  for (auto [code, curve] : {std::pair{CurveCode::p256, crypto::Curve::p256},
                             std::pair{CurveCode::brainpool_p256r1, crypto::Curve::brainpool_p256r1}}) {
    const Tlv t = generate(u, code);
    const auto peer = crypto::EcPrivateKey::generate(curve);
    Bytes d = unit_key(u, key_id(t));
    append_tlv(d, tag::peer_point, peer.public_key().to_uncompressed_point());
    const auto r = send(Ins::ecdh, d);
    ASSERT_EQ(r.sw, 0x9000);
    EXPECT_EQ(r.data, crypto::ecdh(peer, public_key(t, curve)).reveal());
    Bytes wrong = unit_key(u, key_id(t));
    append_tlv(wrong, tag::peer_point,
               crypto::EcPrivateKey::generate(crypto::Curve::p384).public_key().to_uncompressed_point());
    EXPECT_EQ(sw(Ins::ecdh, wrong), 0x6A80) << "a point of another curve";
  }
}

TEST_F(WscaKeysTest, DeletedKeysAreGoneInEverySession) {
  const std::uint32_t u = active_unit(device);
  const std::uint32_t k = key_id(generate(u));
  open_channel(1);
  ASSERT_EQ(authenticate(u, device, "123456", 1), 0x9000);
  ASSERT_EQ(sign(u, k, Bytes(32, 3), false, 1).sw, 0x9000) << "channel 1 caches the key";
  ASSERT_EQ(sw(Ins::delete_key, unit_key(u, k)), 0x9000);
  EXPECT_EQ(sign(u, k, Bytes(32, 3), false, 1).sw, 0x6A88) << "the cached key is not used after deletion";
  EXPECT_EQ(sign(u, k, Bytes(32, 3)).sw, 0x6A88);
  EXPECT_EQ(sw(Ins::get_key_info, unit_key(u, k)), 0x6A88);
  EXPECT_EQ(sw(Ins::delete_key, unit_key(u, k)), 0x6A88);
  EXPECT_EQ(key_id(generate(u)), k + 1) << "key ids are never reused";
}

TEST_F(WscaKeysTest, KeysSurviveARestart) {
  const std::uint32_t u = active_unit(device);
  const Tlv t = generate(u, CurveCode::p384);
  card = std::make_unique<card::Card>("wsca", store->open_card("wsca"), registry, [this] { return now; });
  select(0);
  ASSERT_EQ(authenticate(u, device, "123456"), 0x9000);
  const Bytes digest = crypto::sha384(as_bytes("after restart"));
  const auto r = sign(u, key_id(t), digest);
  ASSERT_EQ(r.sw, 0x9000);
  EXPECT_TRUE(crypto::ecdsa_verify_digest(public_key(t, crypto::Curve::p384), digest, r.data,
                                          crypto::EcdsaFormat::raw));
}

// WIAM_09: a unit reaches only its own keys, even with a guessed key identifier.
TEST_F(WscaKeysTest, UnitsAreIsolatedEvenWithGuessedKeyIds) {
  const auto other_device = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  const std::uint32_t a = active_unit(device);
  const std::uint32_t b = active_unit(other_device);
  const Tlv ka = generate(a);
  const std::uint32_t kid = key_id(ka);
  ASSERT_EQ(sw(Ins::logout, unit_field(a)), 0x9000);
  // Unit b's user, authenticated, names a's key id under its own unit: not found.
  EXPECT_EQ(sign(b, kid, Bytes(32, 1)).sw, 0x6A88);
  Bytes ecdh = unit_key(b, kid);
  append_tlv(ecdh, tag::peer_point,
             crypto::EcPrivateKey::generate(crypto::Curve::p256).public_key().to_uncompressed_point());
  EXPECT_EQ(sw(Ins::ecdh, ecdh), 0x6A88);
  EXPECT_EQ(sw(Ins::get_key_info, unit_key(b, kid)), 0x6A88);
  EXPECT_EQ(sw(Ins::delete_key, unit_key(b, kid)), 0x6A88);
  // ... and naming unit a needs a's authentication, which b's session does not have.
  EXPECT_EQ(sign(a, kid, Bytes(32, 1)).sw, 0x6982);
  EXPECT_EQ(sw(Ins::delete_key, unit_key(a, kid)), 0x6982);
  EXPECT_EQ(sw(Ins::delete_unit, unit_field(a)), 0x6982);
  // b's own key with the same id is b's, not a's.
  const Tlv kb = generate(b);
  ASSERT_EQ(key_id(kb), kid);
  const Bytes digest(32, 0x42);
  const auto r = sign(b, kid, digest);
  ASSERT_EQ(r.sw, 0x9000);
  EXPECT_TRUE(crypto::ecdsa_verify_digest(public_key(kb, crypto::Curve::p256), digest, r.data,
                                          crypto::EcdsaFormat::raw));
  EXPECT_FALSE(crypto::ecdsa_verify_digest(public_key(ka, crypto::Curve::p256), digest, r.data,
                                           crypto::EcdsaFormat::raw));
  // Data objects too.
  ASSERT_EQ(authenticate(a, device, "123456"), 0x9000);
  ASSERT_EQ(sw(Ins::put_data, data_fields(a, 7, Bytes{0xAA})), 0x9000);
  EXPECT_EQ(sw(Ins::get_data, data_fields(b, 7)), 0x6A88);
  // a's device cannot authenticate as b.
  EXPECT_EQ(authenticate(b, device, "123456"), 0x6982);
}

TEST_F(WscaKeysTest, PseudonymDataObjects) {
  const std::uint32_t u = active_unit(device);
  EXPECT_EQ(sw(Ins::get_data, data_fields(u, 1)), 0x6A88);
  const Bytes big(kMaxDataObject, 0x5A);
  ASSERT_EQ(sw(Ins::put_data, data_fields(u, 1, big)), 0x9000) << "extended length";
  const auto r = send(Ins::get_data, data_fields(u, 1), 0, 0, true);
  ASSERT_EQ(r.sw, 0x9000);
  EXPECT_EQ(r.data, big);
  EXPECT_EQ(send(Ins::get_data, data_fields(u, 1)).sw, 0x6100) << "short Le: the rest by GET RESPONSE";
  EXPECT_EQ(sw(Ins::put_data, data_fields(u, 2, Bytes(kMaxDataObject + 1, 1))), 0x6A80);
  EXPECT_EQ(sw(Ins::put_data, data_fields(u, 2)), 0x6A80) << "no value";
  ASSERT_EQ(sw(Ins::put_data, data_fields(u, 1, Bytes{1, 2, 3})), 0x9000);
  EXPECT_EQ(send(Ins::get_data, data_fields(u, 1)).data, (Bytes{1, 2, 3}));
  EXPECT_EQ(sw(Ins::delete_data, data_fields(u, 1)), 0x9000);
  EXPECT_EQ(sw(Ins::get_data, data_fields(u, 1)), 0x6A88);
  EXPECT_EQ(sw(Ins::delete_data, data_fields(u, 1)), 0x6A88);
}

}  // namespace
}  // namespace sesame::applets::wsca::testing
