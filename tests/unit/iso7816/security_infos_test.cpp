// SecurityInfos (ICAO 9303-11 §9.2). Vector: the EF.CardAccess of ICAO 9303-11 Appendix G.1
// (one PACEInfo, id-PACE-ECDH-GM-AES-CBC-CMAC-128, version 2, parameter ID 13).
#include "iso7816/security_infos.h"

#include <gtest/gtest.h>

#include "../crypto/hex_expect.h"
#include "crypto/ec_key.h"
#include "iso7816/pace.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::iso7816 {
namespace {

TEST(SecurityInfos, IcaoG1CardAccess) {
  const Bytes card_access = from_hex("31143012060A04007F0007020204020202010202010D");
  const SecurityInfos infos = parse_security_infos(card_access);
  ASSERT_EQ(infos.pace.size(), 1u);
  EXPECT_EQ(infos.pace[0].protocol, pace::pace_ecdh_gm_oid(16));
  EXPECT_EQ(infos.pace[0].version, 2);
  EXPECT_EQ(infos.pace[0].parameter_id, 13);
  EXPECT_EQ(encode_security_infos(infos), card_access);
}

TEST(SecurityInfos, Dg14RoundTripWithBothKeyEncodings) {
  const auto key = crypto::EcPrivateKey::generate(crypto::Curve::brainpool_p256r1);
  SecurityInfos infos;
  infos.chip_authentication.push_back({pace::ca_ecdh_oid(16), 1, std::nullopt});
  infos.chip_authentication_keys.push_back({pace::pk_ecdh_oid(), key.public_key().to_spki_der(), 7});
  // TR-03110 standardizedDomainParameters form: AlgorithmIdentifier {0.4.0.127.0.7.1.2, 13}.
  Bytes bits{0x00};
  append(bits, key.public_key().to_uncompressed_point());
  const Bytes spki =
      tlv_encode(0x30, concat({from_hex("300C060704007F0007010202010D"), tlv_encode(0x03, bits)}));
  infos.chip_authentication_keys.push_back({pace::pk_ecdh_oid(), spki, std::nullopt});
  infos.other.push_back(from_hex("300B060604007F000799020101"));
  const SecurityInfos back = parse_dg14(encode_dg14(infos));
  ASSERT_EQ(back.chip_authentication.size(), 1u);
  EXPECT_EQ(back.chip_authentication[0].version, 1);
  ASSERT_EQ(back.chip_authentication_keys.size(), 2u);
  EXPECT_EQ(back.chip_authentication_keys[0].key_id, 7);
  EXPECT_TRUE(ca_public_key(back.chip_authentication_keys[0]) == key.public_key());
  EXPECT_TRUE(ca_public_key(back.chip_authentication_keys[1]) == key.public_key());
  EXPECT_EQ(back.other.size(), 1u);
}

TEST(SecurityInfos, RefusesMalformed) {
  EXPECT_THROW(parse_security_infos(from_hex("3000")), Error);
  EXPECT_THROW(parse_security_infos(from_hex("31053003020101")), Error);                        // no OID
  EXPECT_THROW(parse_security_infos(from_hex("310F300D060A04007F000702020402020201")), Error);  // truncated
  EXPECT_THROW(parse_dg14(from_hex("31143012060A04007F0007020204020202010202010D")), Error);    // not 6E
}

}  // namespace
}  // namespace sesame::iso7816
