// PACE protocol math against published vectors:
//  - ICAO Doc 9303-11 (8th ed., 2021), Appendix G.1 "ECDH based example": PACE-ECDH-GM-AES-128
//    on brainpoolP256r1 with the MRZ password of document T22000129;
//  - BSI "Worked Example for Extended Access Control (EAC)" v1.01, PACE part: PACE-ECDH-GM-AES-128
//    on brainpoolP256r1 with PIN 123456 (the values OpenPACE's src/eactest.c also carries).
#include "iso7816/pace.h"

#include <gtest/gtest.h>

#include "../crypto/hex_expect.h"
#include "crypto/ec_point.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::iso7816::pace {
namespace {

using crypto::Curve;
using crypto::EcKeyPairOnGenerator;
using crypto::EcPoint;

const Curve kBp256 = Curve::brainpool_p256r1;

SecureBytes secret(std::string_view hex) {
  return SecureBytes(from_hex(hex));
}
EcPoint point(std::string_view hex) {
  return EcPoint::from_encoded(kBp256, from_hex(hex));
}

// One worked PACE run: both sides' keys, every intermediate value.
struct PaceVector {
  Bytes f_pi;  // the password as it enters the KDF
  std::string k_pi, z, s;
  std::string sk_map_pcd, pk_map_pcd, sk_map_picc, pk_map_picc, h, g_mapped;
  std::string sk_eph_pcd, pk_eph_pcd, sk_eph_picc, pk_eph_picc, k, ks_enc, ks_mac, t_pcd, t_picc;
};

void check_vector(const PaceVector& v) {
  const SecureBytes k_pi = password_key(v.f_pi, 16);
  EXPECT_HEX(k_pi, v.k_pi);
  const SecureBytes s = decrypt_nonce(k_pi.view(), from_hex(v.z));
  EXPECT_HEX(s, v.s);
  EXPECT_HEX(encrypt_nonce(k_pi.view(), s.view()), v.z);

  // Mapping: each side's key pair over the standard generator, H from both sides.
  const EcPoint g = EcPoint::generator(kBp256);
  const auto map_pcd = EcKeyPairOnGenerator::from_scalar(g, secret(v.sk_map_pcd));
  const auto map_picc = EcKeyPairOnGenerator::from_scalar(g, secret(v.sk_map_picc));
  EXPECT_HEX(map_pcd.public_point().to_uncompressed(), v.pk_map_pcd);
  EXPECT_HEX(map_picc.public_point().to_uncompressed(), v.pk_map_picc);
  const EcPoint h = map_pcd.agree_point(map_picc.public_point());
  EXPECT_HEX(h.to_uncompressed(), v.h);
  EXPECT_TRUE(h == map_picc.agree_point(map_pcd.public_point()));
  const EcPoint g_mapped = map_generator(s.view(), h);
  EXPECT_HEX(g_mapped.to_uncompressed(), v.g_mapped);

  // Key agreement over G'.
  const auto eph_pcd = EcKeyPairOnGenerator::from_scalar(g_mapped, secret(v.sk_eph_pcd));
  const auto eph_picc = EcKeyPairOnGenerator::from_scalar(g_mapped, secret(v.sk_eph_picc));
  EXPECT_HEX(eph_pcd.public_point().to_uncompressed(), v.pk_eph_pcd);
  EXPECT_HEX(eph_picc.public_point().to_uncompressed(), v.pk_eph_picc);
  const SecureBytes k = eph_pcd.agree(eph_picc.public_point());
  EXPECT_HEX(k, v.k);
  EXPECT_HEX(eph_picc.agree(eph_pcd.public_point()), v.k);

  const SessionKeys keys = session_keys(k.view(), 16);
  EXPECT_HEX(keys.k_enc, v.ks_enc);
  EXPECT_HEX(keys.k_mac, v.ks_mac);
  const Bytes oid = pace_ecdh_gm_oid(16);
  // T_PCD is computed over the card's key, T_PICC over the terminal's.
  EXPECT_HEX(authentication_token(keys.k_mac.view(), oid, eph_picc.public_point()), v.t_pcd);
  EXPECT_HEX(authentication_token(keys.k_mac.view(), oid, eph_pcd.public_point()), v.t_picc);
}

TEST(PaceIcaoG1, MrzPasswordAndCheckDigits) {
  // ICAO 9303-11 Appendix G (MRZ of the worked example): T22000129 3, 640812 5, 101031 8.
  EXPECT_EQ(mrz_check_digit("T22000129"), '3');
  EXPECT_EQ(mrz_check_digit("640812"), '5');
  EXPECT_EQ(mrz_check_digit("101031"), '8');
  EXPECT_HEX(mrz_password("T22000129", "640812", "101031"), "7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD");
}

TEST(PaceIcaoG1, PublicKeyDataObjectForTheTerminalToken) {
  // ICAO 9303-11 Appendix G.1: input data for T_IFD ('7F49' over the chip's ephemeral key).
  EXPECT_HEX(
      public_key_data_object(pace_ecdh_gm_oid(16),
                             point("049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
                                   "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094")),
      "7F494F060A04007F000702020402028641049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC6"
      "5DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094");
}

TEST(PaceIcaoG1, EcdhGenericMappingBrainpoolP256r1) {
  // ICAO Doc 9303-11, Appendix G.1 (ECDH based example), all values as published.
  PaceVector v;
  v.f_pi = mrz_password("T22000129", "640812", "101031").reveal();
  v.k_pi = "89DED1B26624EC1E634C1989302849DD";
  v.z = "95A3A016522EE98D01E76CB6B98B42C3";
  v.s = "3F00C4D39D153F2B2A214A078D899B22";
  v.sk_map_pcd = "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99";
  v.pk_map_pcd =
      "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E"
      "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D";
  v.sk_map_picc = "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560";
  v.pk_map_picc =
      "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"
      "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54";
  v.h =
      "0460332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5"
      "0840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181";
  v.g_mapped =
      "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2"
      "8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522";
  v.sk_eph_pcd = "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595";
  v.pk_eph_pcd =
      "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C"
      "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462";
  v.sk_eph_picc = "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A";
  v.pk_eph_picc =
      "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
      "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094";
  v.k = "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925";
  v.ks_enc = "F5F0E35C0D7161EE6724EE513A0D9A7F";
  v.ks_mac = "FE251C7858B356B24514B3BD5F4297D1";
  v.t_pcd = "C2B0BD78D94BA866";
  v.t_picc = "3ABB9674BCE93C08";
  check_vector(v);
}

TEST(PaceBsiWorkedExample, EcdhGenericMappingBrainpoolP256r1Pin) {
  // BSI, "Worked Example for Extended Access Control (EAC)", version 1.01, PACE with the PIN
  // 123456 (ECDH generic mapping, brainpoolP256r1, AES-128). Version 1.0 had wrong KSenc/KSmac;
  // these are the corrected values of 1.01.
  PaceVector v;
  v.f_pi = Bytes{'1', '2', '3', '4', '5', '6'};
  v.k_pi = "";  // not printed in the worked example; checked through the nonce below
  v.z = "CE834CDE69FFBB1D1EB21585CD709F18";
  v.s = "7D98C00FC6C9E9543BBF94A87073A123";
  v.sk_map_pcd = "752287F5B02DE3C4BC3E17945118C51B23C97278E4CD748048AC56BA5BDC3D46";
  v.pk_map_pcd =
      "043DD29BBE5907FD21A152ADA4895FAAE7ACC55F5E50EFBFDE5AB0C6EB54F198D6"
      "15913635F0FDF5BEB383E00355F82D3C41ED0DF2E28363433DFB73856A15DC9F";
  v.sk_map_picc = "19C428715663DE745D1824B855D2B967890C99D68ED5FEEE9DCDF8D7BBA289D2";
  v.pk_map_picc =
      "049CFCF7582AC986D0DD52FA53123414C3E1B96B4D00ABA8E574679B70EFB5BC3B"
      "45D2F13729CC2AE178E7E241B443213533B77DBB44649A815DDC4A2384BA422A";
  v.h =
      "0471850CFD80FB475947E5B1AF10FE8E6663967C2D264935B31951F763A4B03A57"
      "49167388F88F52A109167E3E6592CA0820468D1157A8E781D2F7049179B1D114";
  v.g_mapped =
      "043929D28BA1E5339D6C5DADE5E33BD3C2F0BD14DD77C7521532261659C918FA60"
      "14DD48FA84E62BDE438EDB4C9771D042CDB24B7788BDBAB2031C45751E777F66";
  v.sk_eph_pcd = "009D9A32DF93A57CCE33CA3CDD3457E33A976F293546C73550F397259C93BE0120";
  v.pk_eph_pcd =
      "04518BC4E532AD2A9BD6527804D5D665ABD51041037A0CC8AA922804EB501C222B"
      "3427388599AFAAE9FBACE2DF93E13C3C4979CD12F0AE3E3C0126028391554582";
  v.sk_eph_picc = "15872C56908C144002177994CFAAEDD5467CE150853C44535051FF24183039D8";
  v.pk_eph_picc =
      "04282CF38073036AFAC216AF135BD994DA0C357F10BD4C34AFEA1042B2EB0FD680"
      "4DF3658B835AC2E7133F13691184542BB50B109963A4662ABDC08B9763AF4B5B";
  v.k = "6E7D077CCD367C2EAA683F1E8EC534302E2D00B6ADAF8A87A6EDA78740F17606";
  v.ks_enc = "68406B4162100563D9C901A6154D2901";
  v.ks_mac = "73FF268784F72AF833FDC9464049AFC9";
  v.t_pcd = "A27AE7B36573C1D9";
  v.t_picc = "A2658C2F38600B0F";
  const SecureBytes k_pi = password_key(v.f_pi, 16);
  v.k_pi = to_hex(k_pi.view());  // the worked example gives z and s, which pin K_pi down
  check_vector(v);
}

TEST(PaceKdf, KeyLengthsChooseTheHash) {
  // ICAO 9303-11 §9.7.1: SHA-1 for AES-128, SHA-256 for AES-192/256 (prefix of one digest).
  const Bytes k = from_hex("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925");
  const SecureBytes k24 = kdf(k, kKdfEnc, 24);
  const SecureBytes k32 = kdf(k, kKdfEnc, 32);
  EXPECT_EQ(k24.size(), 24u);
  EXPECT_TRUE(std::equal(k24.data(), k24.data() + 24, k32.data()));
  EXPECT_HEX(kdf(k, kKdfEnc, 16), "F5F0E35C0D7161EE6724EE513A0D9A7F");
  EXPECT_THROW(kdf(k, kKdfEnc, 20), Error);
}

TEST(PaceOids, KeyLengthsRoundTrip) {
  EXPECT_HEX(pace_ecdh_gm_oid(16), "04007F00070202040202");
  EXPECT_HEX(ca_ecdh_oid(16), "04007F00070202030202");
  EXPECT_HEX(pk_ecdh_oid(), "04007F000702020102");
  for (std::size_t n : {16u, 24u, 32u}) {
    EXPECT_EQ(pace_ecdh_gm_key_length(pace_ecdh_gm_oid(n)), n);
    EXPECT_EQ(ca_ecdh_key_length(ca_ecdh_oid(n)), n);
  }
  EXPECT_FALSE(pace_ecdh_gm_key_length(ca_ecdh_oid(16)));
  EXPECT_FALSE(pace_ecdh_gm_key_length(from_hex("04007F00070202040205")));
}

TEST(PaceMrz, RejectsBadCharacters) {
  EXPECT_THROW(mrz_check_digit("abc"), Error);
  EXPECT_THROW(mrz_password("T22000129", "6408", "101031"), Error);
}

}  // namespace
}  // namespace sesame::iso7816::pace
