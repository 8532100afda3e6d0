// The eID applet's access rules (docs/EID.md): EF.CardAccess always; EF.COM and DG14 only under
// PACE secure messaging; DG1, DG13 and EF.SOD only under Chip Authentication secure messaging; one
// Chip Authentication per PACE.
#include <gtest/gtest.h>

#include "eid_fixture.h"

namespace sesame::applets::eid::testing {
namespace {

using EidAccess = EidCardTest;

TEST_F(EidAccess, CardAccessIsPlainAndNamesPaceAndCa) {
  const ResponseApdu r = read_sfi(0x1C);
  ASSERT_EQ(r.sw, 0x9000);
  const auto infos = iso7816::parse_security_infos(r.data);
  ASSERT_EQ(infos.pace.size(), 1u);
  EXPECT_EQ(infos.pace[0].protocol, pace::pace_ecdh_gm_oid(16));
  EXPECT_EQ(infos.pace[0].parameter_id, 13);
  ASSERT_EQ(infos.chip_authentication.size(), 1u);
  EXPECT_EQ(infos.chip_authentication[0].protocol, pace::ca_ecdh_oid(16));
}

// Threat: DG14 (and with it the chip's CA key) taken without PACE.
TEST_F(EidAccess, Dg14WithoutPaceIsRefused) {
  EXPECT_EQ(read_sfi(0x0E).sw, 0x6982);
  EXPECT_EQ(sw("00A4020C02010E"), 0x9000);  // selecting is allowed, reading is not
  EXPECT_EQ(sw("00B0000000"), 0x6982);
  EXPECT_EQ(read_sfi(0x1E).sw, 0x6982);  // EF.COM neither
}

TEST_F(EidAccess, Dg14UnderPaceWithEachPassword) {
  for (auto [ref, secret] : {std::pair{PasswordRef::pin, kPin}, std::pair{PasswordRef::can, kCan},
                             std::pair{PasswordRef::mrz, "T22000129640812101031"}}) {
    select();
    ASSERT_EQ(pace(ref, secret), 0x9000) << int(ref);
    const ResponseApdu d = read_sfi(0x0E);
    ASSERT_EQ(d.sw, 0x9000);
    EXPECT_EQ(iso7816::parse_dg14(d.data).chip_authentication_keys.size(), 1u);
  }
}

// Threat: identity data read on the PACE channel, before the chip proved its key.
TEST_F(EidAccess, Dg1BeforeChipAuthenticationIsRefused) {
  ASSERT_EQ(pace(PasswordRef::pin, kPin), 0x9000);
  EXPECT_EQ(read_sfi(0x01).sw, 0x6982);
  EXPECT_EQ(read_sfi(0x0D).sw, 0x6982);
  EXPECT_EQ(read_sfi(0x1D).sw, 0x6982);
  ASSERT_EQ(chip_authentication(), 0x9000);
  const ResponseApdu dg1 = read_sfi(0x01);
  ASSERT_EQ(dg1.sw, 0x9000);
  EXPECT_EQ(dg1.data, kDg1Content);
  EXPECT_EQ(read_sfi(0x1D).sw, 0x9000);
  EXPECT_EQ(read_sfi(0x02).sw, 0x6A82);  // DG2 was not installed
}

TEST_F(EidAccess, LongFileReadsByOffset) {
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  ASSERT_EQ(chip_authentication(), 0x9000);
  Bytes all;
  ResponseApdu r = read_sfi(0x0D, 0xDF);
  ASSERT_EQ(r.sw, 0x9000);
  all = r.data;
  while (true) {
    r = send({0x00,
              0xB0,
              static_cast<std::uint8_t>(all.size() >> 8),
              static_cast<std::uint8_t>(all.size()),
              {},
              0xDF,
              false});
    if (r.sw == 0x6B00) break;
    ASSERT_TRUE(r.sw == 0x9000 || r.sw == 0x6282) << std::hex << r.sw;
    append(all, r.data);
    if (r.sw == 0x6282) break;
  }
  EXPECT_EQ(all, tlv_encode(0x6D, Bytes(600, 0x42)));
}

// Threat: a second Chip Authentication on one PACE (a relay swapping in another chip's key).
TEST_F(EidAccess, SecondChipAuthenticationOnOnePaceIsRefused) {
  ASSERT_EQ(pace(PasswordRef::pin, kPin), 0x9000);
  ASSERT_EQ(chip_authentication(), 0x9000);
  EXPECT_EQ(chip_authentication(), 0x6985);
  // A fresh PACE allows it again.
  select();
  ASSERT_EQ(pace(PasswordRef::pin, kPin), 0x9000);
  EXPECT_EQ(chip_authentication(), 0x9000);
}

TEST_F(EidAccess, ChipAuthenticationWithMseSetKat) {
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  const ResponseApdu d = read_sfi(0x0E);
  ASSERT_EQ(d.sw, 0x9000);
  const auto card_key = iso7816::ca_public_key(iso7816::parse_dg14(d.data).chip_authentication_keys.at(0));
  const auto eph = crypto::EcPrivateKey::generate(card_key.curve());
  ASSERT_EQ(
      send({0x00, 0x22, 0x41, 0xA6, tlv_encode(0x91, eph.public_key().to_uncompressed_point()), 0, false}).sw,
      0x9000);
  pace::SessionKeys keys = pace::session_keys(crypto::ecdh(eph, card_key).view(), 16);
  sm.emplace(std::move(keys.k_enc), std::move(keys.k_mac));
  const ResponseApdu dg1 = read_sfi(0x01);
  EXPECT_EQ(dg1.sw, 0x9000);
  EXPECT_EQ(dg1.data, kDg1Content);
}

TEST_F(EidAccess, ChipAuthenticationRefusesAnotherKeyOrBadPoint) {
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  EXPECT_EQ(send({0x00, 0x22, 0x41, 0xA4, from_hex("800A04007F00070202030202840101"), 0, false}).sw, 0x6A88);
  ASSERT_EQ(send({0x00, 0x22, 0x41, 0xA4, tlv_encode(0x80, pace::ca_ecdh_oid(16)), 0, false}).sw, 0x9000);
  Bytes off_curve{0x04};
  off_curve.resize(65, 0x01);
  EXPECT_EQ(send({0x00, 0x86, 0, 0, tlv_encode(0x7C, tlv_encode(0x80, off_curve)), 256, false}).sw, 0x6A80);
  EXPECT_EQ(read_sfi(0x01).sw, 0x6982) << "no CA happened";
}

TEST_F(EidAccess, ChipAuthenticationWithoutPaceIsRefused) {
  EXPECT_EQ(sw("002241A40C800A04007F00070202030202"), 0x6985);
  EXPECT_EQ(sw("00860000047C028000"), 0x6985);
}

TEST_F(EidAccess, PaceWithPukGivesNoDataAccess) {
  ASSERT_EQ(pace(PasswordRef::puk, kPuk), 0x9000);
  EXPECT_EQ(read_sfi(0x0E).sw, 0x6982);
  EXPECT_EQ(send({0x00, 0x22, 0x41, 0xA4, tlv_encode(0x80, pace::ca_ecdh_oid(16)), 0, false}).sw, 0x6985);
}

TEST_F(EidAccess, IssuerGivenCaKeyBuildsThePredictedDg14) {
  const auto ca = crypto::EcPrivateKey::generate(crypto::Curve::brainpool_p256r1);
  Bytes params = install_params();
  append_tlv(params, kTagCaKey, ca.reveal_scalar().view());
  service->install_applet(seid, kModuleName, from_hex("A000000247100105"), params);
  ASSERT_EQ(sw("00A4040C08A000000247100105"), 0x9000);
  ASSERT_EQ(pace(PasswordRef::can, kCan), 0x9000);
  const ResponseApdu d = read_sfi(0x0E);
  ASSERT_EQ(d.sw, 0x9000);
  EXPECT_EQ(d.data, iso7816::eid_dg14(ca.public_key()));
  EXPECT_EQ(chip_authentication(), 0x9000) << "CA works with the issuer's key";
  Bytes zero = install_params();
  append_tlv(zero, kTagCaKey, Bytes(32, 0));
  EXPECT_THROW(service->install_applet(seid, kModuleName, from_hex("A000000247100106"), zero),
               std::exception);
}

TEST_F(EidAccess, InstallParametersAreValidated) {
  EXPECT_THROW(service->install_applet(seid, kModuleName, from_hex("A000000247100102"), {}), std::exception);
  Bytes bad;
  append_tlv(bad, kTagPin, as_bytes("12345"));  // 5 digits
  append_tlv(bad, kTagCan, as_bytes(kCan));
  append_tlv(bad, kTagPuk, as_bytes(kPuk));
  EXPECT_THROW(service->install_applet(seid, kModuleName, from_hex("A000000247100103"), bad), std::exception);
  Bytes dg14 = install_params();
  append(dg14, file_param(kDg14, from_hex("6E00")));  // DG14 is the card's own
  EXPECT_THROW(service->install_applet(seid, kModuleName, from_hex("A000000247100104"), dg14),
               std::exception);
}

}  // namespace
}  // namespace sesame::applets::eid::testing
