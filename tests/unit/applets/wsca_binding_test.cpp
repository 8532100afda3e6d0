// Operation binding (docs/WSCA.md, "Operation binding"; THREATS WSCA-11): an AUTHENTICATE carrying
// D5 = INS || P1 || SHA-256(data) under the device signature allows exactly that one command and
// ends with it, so a captured authentication cannot sign another digest, with another key, or
// run another operation — and an altered binding is refused before a PIN try is counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "applets/wsca/wsca_records.h"
#include "wsca_fixture.h"

namespace sesame::applets::wsca::testing {
namespace {

class WscaBindingTest : public ::testing::Test, public WscaFixture {
 protected:
  void SetUp() override {
    unit = active_unit(device);
    key1 = key_id(generate(unit));
    key2 = key_id(generate(unit));
    ASSERT_EQ(sw(Ins::logout, unit_field(unit)), 0x9000);
  }
  bool verifies(std::uint32_t key, ByteView digest, ByteView sig) {
    const auto info = parse_one(send(Ins::get_key_info, unit_key(unit, key)).data);
    const auto pub = crypto::EcPublicKey::from_point(crypto::Curve::p256, info.require(tag::public_key).value());
    return crypto::ecdsa_verify_digest(pub, digest, sig, crypto::EcdsaFormat::raw);
  }
  crypto::EcPrivateKey device = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  std::uint32_t unit = 0, key1 = 0, key2 = 0;
  Bytes d1 = crypto::sha256(ascii("the digest the wallet meant")), d2 = crypto::sha256(ascii("another one"));
};

TEST_F(WscaBindingTest, ABoundAuthenticationAllowsExactlyItsOperationOnce) {
  ASSERT_EQ(authenticate_for(unit, device, "123456", Ins::sign, kSignRaw, sign_data(unit, key1, d1)), 0x9000);
  EXPECT_EQ(send(Ins::get_key_info, unit_key(unit, key1)).sw, 0x9000) << "public information does not use it";
  const auto r = sign(unit, key1, d1);
  ASSERT_EQ(r.sw, 0x9000);
  EXPECT_TRUE(verifies(key1, d1, r.data));
  EXPECT_EQ(sign(unit, key1, d1).sw, 0x6982) << "one operation, then the authentication is over";

  // Another digest, another key, another format, another operation: 6982, and it is over.
  struct Case {
    const char* what;
    std::function<std::uint16_t()> run;
  };
  const std::vector<Case> cases = {
      {"another digest", [&] { return sign(unit, key1, d2).sw; }},
      {"another key", [&] { return sign(unit, key2, d1).sw; }},
      {"DER instead of raw", [&] { return sign(unit, key1, d1, /*der=*/true).sw; }},
      {"another operation", [&] { return sw(Ins::delete_key, unit_key(unit, key1)); }},
  };
  for (const auto& c : cases) {
    ASSERT_EQ(authenticate_for(unit, device, "123456", Ins::sign, kSignRaw, sign_data(unit, key1, d1)), 0x9000);
    EXPECT_EQ(c.run(), 0x6982) << c.what;
    EXPECT_EQ(sign(unit, key1, d1).sw, 0x6982) << c.what << ": the refused command ended the authentication";
  }
  EXPECT_TRUE(send(Ins::get_key_info, unit_key(unit, key1)).sw == 0x9000) << "the key was not deleted";
  EXPECT_EQ(pin_tries(unit), 5);
}

// Threat WSCA-11: whoever relays the request swaps the digest or the key id.
TEST_F(WscaBindingTest, ACapturedAuthenticationCannotBeRetargeted) {
  for (const Bytes& other : {sign_data(unit, key1, d2), sign_data(unit, key2, d1)}) {
    for (const char* pin : {"123456", "000000"}) {
      auto c = prepare(Ins::authenticate, unit, pin_tlv(pin));
      c.operation = binding_of(Ins::sign, kSignRaw, sign_data(unit, key1, d1));
      Bytes data = signed_data(c, device);
      // The relay puts the binding of its own choice in place of the wallet's (same length).
      const Bytes wanted = binding_of(Ins::sign, kSignRaw, other);
      const auto at = std::search(data.begin(), data.end(), c.operation.begin(), c.operation.end());
      ASSERT_NE(at, data.end());
      std::copy(wanted.begin(), wanted.end(), at);
      EXPECT_EQ(sw(Ins::authenticate, data), 0x6982) << "the device signature covers the binding";
      EXPECT_EQ(sign(unit, key1, d2).sw, 0x6982);
    }
  }
  {  // the binding stripped, the rest (and the signature) unchanged
    auto c = prepare(Ins::authenticate, unit, pin_tlv("000000"));
    c.operation = binding_of(Ins::sign, kSignRaw, sign_data(unit, key1, d1));
    const Bytes with = signed_data(c, device);
    const Tlv sig = parse_tlv(with).back();
    Bytes without = body(SignedCommand{c.ins, c.unit, c.challenge, {}, c.envelope, {}});
    append(without, sig.encode());
    EXPECT_EQ(sw(Ins::authenticate, without), 0x6982);
  }
  EXPECT_EQ(pin_tries(unit), 5) << "no altered authentication cost a PIN try, even with a wrong PIN inside";
  {  // a malformed binding: 6A80, not counted
    auto c = prepare(Ins::authenticate, unit, pin_tlv("000000"));
    c.operation = Bytes(33, 0x22);
    EXPECT_EQ(send_signed(c, device), 0x6A80);
  }
  EXPECT_EQ(pin_tries(unit), 5);
  // The wallet's own request still works.
  ASSERT_EQ(authenticate_for(unit, device, "123456", Ins::sign, kSignRaw, sign_data(unit, key1, d2)), 0x9000);
  const auto r = sign(unit, key1, d2);
  ASSERT_EQ(r.sw, 0x9000);
  EXPECT_TRUE(verifies(key1, d2, r.data));
}

TEST_F(WscaBindingTest, ARelayBindingAllowsNoAppletOperation) {
  ASSERT_EQ(authenticate_for(unit, device, "123456", static_cast<Ins>(kRelayOperation), kRelayKeyAttestation,
                             ascii("request")),
            0x9000);
  EXPECT_EQ(send(Ins::get_key_info, unit_key(unit, key1)).sw, 0x9000);
  EXPECT_EQ(sign(unit, key1, d1).sw, 0x6982);
  EXPECT_EQ(sw(Ins::generate_key, unit_field(unit)), 0x6982);
}

TEST_F(WscaBindingTest, BoundGenerateAndDeleteKey) {
  const Bytes gen = unit_field(unit);
  ASSERT_EQ(authenticate_for(unit, device, "123456", Ins::generate_key, 0, gen), 0x9000);
  EXPECT_EQ(send(Ins::generate_key, gen).sw, 0x9000);
  ASSERT_EQ(authenticate_for(unit, device, "123456", Ins::delete_key, 0, unit_key(unit, key2)), 0x9000);
  EXPECT_EQ(sw(Ins::delete_key, unit_key(unit, key1)), 0x6982) << "not the key the wallet named";
  ASSERT_EQ(authenticate_for(unit, device, "123456", Ins::delete_key, 0, unit_key(unit, key2)), 0x9000);
  EXPECT_EQ(sw(Ins::delete_key, unit_key(unit, key2)), 0x9000);
  EXPECT_EQ(sw(Ins::get_key_info, unit_key(unit, key1)), 0x9000);
  EXPECT_EQ(sw(Ins::get_key_info, unit_key(unit, key2)), 0x6A88);
}

// BIND KEYS (issue 4 "cryptographic binding of attestations"; THREATS WSCA-07): every named key
// signs one transcript built from the nonce and all the keys. The transcript is rebuilt here from
// its definition (docs/WSCA.md), not taken from the applet.
TEST_F(WscaBindingTest, BindKeysHasEveryKeySignTheSameTranscript) {
  ASSERT_EQ(authenticate(unit, device, "123456"), 0x9000);
  const Tlv k384 = generate(unit, CurveCode::p384);
  const Tlv kbp = generate(unit, CurveCode::brainpool_p256r1);
  const std::vector<Tlv> keys = {parse_one(send(Ins::get_key_info, unit_key(unit, key1)).data), k384, kbp};
  const Bytes nonce = ascii("verifier-nonce-7Qx");
  Bytes ids, expected = ascii("sesame/wsca/binding/v1");
  append(expected, u32b(unit));
  expected.push_back(static_cast<std::uint8_t>(nonce.size()));
  append(expected, nonce);
  expected.push_back(3);
  for (const Tlv& k : keys) {
    append(ids, k.require(tag::key_id).value());
    append(expected, k.require(tag::key_id).value());
    append(expected, k.require(tag::curve).value());
    expected.push_back(static_cast<std::uint8_t>(k.require(tag::public_key).value().size()));
    append(expected, k.require(tag::public_key).value());
  }
  Bytes d = unit_field(unit);
  append_tlv(d, tag::nonce, nonce);
  append_tlv(d, tag::key_ids, ids);
  const auto r = send(Ins::bind_keys, d, 0, 0, /*extended_le=*/true);
  ASSERT_EQ(r.sw, 0x9000);
  const auto items = parse_tlv(r.data);
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].tag(), tag::transcript);
  EXPECT_EQ(items[0].value(), expected);
  Bytes other_nonce = expected;
  other_nonce[22 + 4 + 1] ^= 0x01;  // the nonce's first byte
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto curve = *curve_from_code(keys[i].require(tag::curve).value().at(0));
    const auto pub = crypto::EcPublicKey::from_point(curve, keys[i].require(tag::public_key).value());
    const auto hash = curve == crypto::Curve::p384 ? crypto::SignatureHash::sha384 : crypto::SignatureHash::sha256;
    EXPECT_EQ(items[i + 1].tag(), tag::key_proof);
    EXPECT_TRUE(crypto::ecdsa_verify(pub, hash, expected, items[i + 1].value(), crypto::EcdsaFormat::raw)) << i;
    EXPECT_FALSE(crypto::ecdsa_verify(pub, hash, other_nonce, items[i + 1].value(), crypto::EcdsaFormat::raw)) << i;
  }

  // Refusals: a key of another unit, a key twice, 17 keys, a nonce too long, no authentication.
  const crypto::EcPrivateKey other_device = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  const std::uint32_t other = active_unit(other_device);
  std::uint32_t other_key = 0;
  for (int i = 0; i < 5; ++i) other_key = key_id(generate(other));  // id 5: no key of `unit` has it
  const auto bind = [&](std::uint32_t u, const Bytes& key_list, const Bytes& n) {
    Bytes data = unit_field(u);
    append_tlv(data, tag::nonce, n);
    append_tlv(data, tag::key_ids, key_list);
    return sw(Ins::bind_keys, data);
  };
  EXPECT_EQ(bind(unit, concat({u32b(key1), u32b(other_key)}), nonce), 0x6A88) << "only the unit's own keys";
  EXPECT_EQ(bind(unit, concat({u32b(key1), u32b(key1)}), nonce), 0x6A80);
  Bytes many;
  for (int i = 0; i < 17; ++i) append(many, u32b(key1));
  EXPECT_EQ(bind(unit, many, nonce), 0x6A80);
  EXPECT_EQ(bind(unit, u32b(key1), Bytes(129, 'n')), 0x6A80);
  ASSERT_EQ(sw(Ins::logout, unit_field(unit)), 0x9000);
  EXPECT_EQ(bind(unit, u32b(key1), nonce), 0x6982);
  // A bound authentication allows exactly its BIND KEYS.
  Bytes mine = unit_field(unit);
  append_tlv(mine, tag::nonce, nonce);
  append_tlv(mine, tag::key_ids, u32b(key1));
  ASSERT_EQ(authenticate_for(unit, device, "123456", Ins::bind_keys, 0, mine), 0x9000);
  EXPECT_EQ(bind(unit, u32b(key2), nonce), 0x6982);
  ASSERT_EQ(authenticate_for(unit, device, "123456", Ins::bind_keys, 0, mine), 0x9000);
  EXPECT_EQ(sw(Ins::bind_keys, mine), 0x9000);
}

}  // namespace
}  // namespace sesame::applets::wsca::testing
