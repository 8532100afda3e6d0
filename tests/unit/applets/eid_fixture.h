// A hosted eID card (sesame.eid) and a minimal terminal written directly on the shared protocol
// math (iso7816/pace.h, iso7816/secure_messaging.h): applet tests cannot use host/ (layers), and a
// hand-driven terminal lets a test stop, tamper with or repeat any single step.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>

#include "../card/card_fixture.h"
#include "applets/builtin.h"
#include "applets/eid/eid_applet.h"
#include "crypto/ec_key.h"
#include "iso7816/pace.h"
#include "iso7816/secure_messaging.h"
#include "iso7816/security_infos.h"
#include "util/tlv.h"

namespace sesame::applets::eid::testing {

namespace pace = iso7816::pace;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using pace::PasswordRef;

inline constexpr const char* kPin = "123456";
inline constexpr const char* kCan = "500540";
inline constexpr const char* kPuk = "12345678";
inline const Bytes kAid{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};
inline const Bytes kDg1Content = concat({from_hex("615B5F1F58"), Bytes(88, '<')});

inline Bytes file_param(std::uint16_t fid, ByteView content) {
  Bytes f;
  put_u16(f, fid);
  return tlv_encode(0xE1, concat({tlv_encode(0x83, f), tlv_encode(0x53, content)}));
}

// PIN, CAN, PUK, the MRZ of ICAO 9303-11 Appendix G, EF.COM, DG1, DG13 (600 bytes: several reads)
// and an opaque EF.SOD.
inline Bytes install_params() {
  Bytes p;
  append_tlv(p, kTagPin, as_bytes(kPin));
  append_tlv(p, kTagCan, as_bytes(kCan));
  append_tlv(p, kTagPuk, as_bytes(kPuk));
  append_tlv(p, kTagMrz, as_bytes("T22000129640812101031"));
  append(p, file_param(kEfCom, from_hex("60145F0104303130375F36063034303030305C06610D6E7577")));
  append(p, file_param(kDg1, kDg1Content));
  append(p, file_param(kDg13, tlv_encode(0x6D, Bytes(600, 0x42))));
  append(p, file_param(kEfSod, tlv_encode(0x77, Bytes(40, 0x30))));
  return p;
}

class EidCardTest : public ::testing::Test, public card::testing::CardFixture {
 protected:
  EidCardTest() : CardFixture(builtin_registry(), "eid", "") {
    service->install_applet(seid, kModuleName, kAid, install_params());
    select();
  }

  void select() {
    sm.reset();
    ASSERT_EQ(sw("00A4040C07A0000002471001"), 0x9000);
  }

  ResponseApdu raw(const CommandApdu& c) { return ResponseApdu::parse(service->transmit(seid, c.encode())); }

  // Protected when a session is up; a plain answer to a protected command ends the session.
  ResponseApdu send(const CommandApdu& c) {
    if (!sm) return raw(c);
    const ResponseApdu r = raw(sm->wrap_command(c));
    if (r.data.empty()) {
      sm.reset();
      return r;
    }
    return sm->unwrap_response(r);
  }

  static Bytes dynamic(const ResponseApdu& r, std::uint32_t tag) {
    const Tlv t = parse_one(r.data);
    EXPECT_EQ(t.tag(), 0x7Cu);
    const Tlv* c = t.find(tag);
    return c ? c->value() : Bytes{};
  }

  static CommandApdu ga(bool last, std::uint32_t tag, ByteView v) {
    return {static_cast<std::uint8_t>(last ? 0x00 : 0x10),        0x86, 0,    0,
            tlv_encode(0x7C, tag ? tlv_encode(tag, v) : Bytes{}), 256,  false};
  }

  // MSE:Set AT and the four steps; the first status word that is not 9000 (63Cx from MSE
  // excepted) is returned. On success the new session replaces `sm`.
  std::uint16_t pace(PasswordRef ref, std::string_view secret) {
    const Bytes oid = pace::pace_ecdh_gm_oid(16);
    Bytes mse = tlv_encode(0x80, oid);
    append_tlv(mse, 0x83, Bytes{static_cast<std::uint8_t>(ref)});
    mse_sw = send({0x00, 0x22, 0xC1, 0xA4, mse, 0, false}).sw;
    if (mse_sw != 0x9000 && (mse_sw & 0xFFF0) != 0x63C0) return mse_sw;
    const SecureBytes f_pi =
        ref == PasswordRef::mrz
            ? pace::mrz_password(secret.substr(0, 9), secret.substr(9, 6), secret.substr(15, 6))
            : SecureBytes(as_bytes(secret));
    const SecureBytes k_pi = pace::password_key(f_pi.view(), 16);
    ResponseApdu r = send(ga(false, 0, {}));
    if (r.sw != 0x9000) return r.sw;
    const SecureBytes s = pace::decrypt_nonce(k_pi.view(), dynamic(r, 0x80));
    const auto curve = crypto::Curve::brainpool_p256r1;
    const auto map = crypto::EcKeyPairOnGenerator::generate(crypto::EcPoint::generator(curve));
    r = send(ga(false, 0x81, map.public_point().to_uncompressed()));
    if (r.sw != 0x9000) return r.sw;
    const auto g = pace::map_generator(
        s.view(), map.agree_point(crypto::EcPoint::from_encoded(curve, dynamic(r, 0x82))));
    const auto eph = crypto::EcKeyPairOnGenerator::generate(g);
    r = send(ga(false, 0x83, eph.public_point().to_uncompressed()));
    if (r.sw != 0x9000) return r.sw;
    const auto picc = crypto::EcPoint::from_encoded(curve, dynamic(r, 0x84));
    pace::SessionKeys keys = pace::session_keys(eph.agree(picc).view(), 16);
    if (before_token) before_token();
    r = send(ga(true, 0x85, pace::authentication_token(keys.k_mac.view(), oid, picc)));
    if (r.sw != 0x9000) return r.sw;
    EXPECT_EQ(dynamic(r, 0x86), pace::authentication_token(keys.k_mac.view(), oid, eph.public_point()));
    sm.emplace(std::move(keys.k_enc), std::move(keys.k_mac));
    return 0x9000;
  }

  // Chip Authentication v1 with MSE:Set AT + GENERAL AUTHENTICATE; the key comes from DG14.
  std::uint16_t chip_authentication() {
    const ResponseApdu d = send({0x00, 0xB0, 0x8E, 0x00, {}, 256, false});
    if (d.sw != 0x9000) return d.sw;
    const auto infos = iso7816::parse_dg14(d.data);
    const auto card_key = iso7816::ca_public_key(infos.chip_authentication_keys.at(0));
    const auto eph = crypto::EcPrivateKey::generate(card_key.curve());
    std::uint16_t s = send({0x00, 0x22, 0x41, 0xA4, tlv_encode(0x80, pace::ca_ecdh_oid(16)), 0, false}).sw;
    if (s != 0x9000) return s;
    s = send({0x00, 0x86, 0, 0, tlv_encode(0x7C, tlv_encode(0x80, eph.public_key().to_uncompressed_point())),
              256, false})
            .sw;
    if (s != 0x9000) return s;
    pace::SessionKeys keys = pace::session_keys(crypto::ecdh(eph, card_key).view(), 16);
    sm.emplace(std::move(keys.k_enc), std::move(keys.k_mac));
    return 0x9000;
  }

  ResponseApdu read_sfi(std::uint8_t sfi, std::size_t ne = 256) {
    return send({0x00, 0xB0, static_cast<std::uint8_t>(0x80 | sfi), 0x00, {}, ne, false});
  }
  std::string tries() { return stored(kAid, "pin.tries"); }
  // A protected READ BINARY of DG14 with the test's (possibly stale) keys: its plain status word.
  std::uint16_t raw_sm_read_sw() {
    iso7816::SecureMessaging stale =
        sm ? *sm : iso7816::SecureMessaging(SecureBytes(Bytes(16, 1)), SecureBytes(Bytes(16, 2)));
    return raw(stale.wrap_command({0x00, 0xB0, 0x8E, 0x00, {}, 256, false})).sw;
  }
  std::uint16_t read_plain_dg14() { return sw("00B08E0000"); }

  std::optional<iso7816::SecureMessaging> sm;
  std::uint16_t mse_sw = 0;
  std::function<void()> before_token;  // runs between the third and the fourth step
};

}  // namespace sesame::applets::eid::testing
