#include "crypto/ec_point.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "hex_expect.h"
#include "util/hex.h"

namespace sesame::crypto {
namespace {

using test::expect_errc;

SecureBytes secret(std::string_view hex) { return SecureBytes(from_hex(hex)); }

EcPoint point(Curve c, std::string_view x, std::string_view y) {
  return EcPoint::from_encoded(c, from_hex("04" + std::string(x) + std::string(y)));
}

// P-256 generator and order (FIPS 186-4 D.1.2.3); 2G from the NIST/Solinas point multiplication
// test vectors for P-256 (k = 2).
constexpr std::string_view kGx = "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296";
constexpr std::string_view kGy = "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5";
constexpr std::string_view kN = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
constexpr std::string_view k2Gx = "7CF27B188D034F7E8A52380304B51AC3C08969E277F21B35A60B48FC47669978";
constexpr std::string_view k2Gy = "07775510DB8ED040293D9AC69F7430DBBA7DADE63CE982299E04B79D227873D1";

TEST(EcPoint, GeneratorAndDoubling) {
  const auto g = EcPoint::generator(Curve::p256);
  EXPECT_HEX(g.x(), kGx);
  EXPECT_HEX(g.y(), kGy);
  const auto two_g = point(Curve::p256, k2Gx, k2Gy);
  EXPECT_EQ(g.multiply(from_hex("02")), two_g);
  EXPECT_EQ(g.add(g), two_g);
  EXPECT_EQ(multiply_generator_add(from_hex("01"), g), two_g);
  EXPECT_EQ(EcPoint::from_encoded(Curve::p256, two_g.to_compressed()), two_g);
  EXPECT_FALSE(g == two_g);
}

TEST(EcPoint, InfinityIsRefused) {
  const auto g = EcPoint::generator(Curve::p256);
  // n·G and G + (-G) are the point at infinity.
  expect_errc(Errc::crypto, [&] { g.multiply(from_hex(kN)); });
  expect_errc(Errc::crypto, [&] { g.multiply(from_hex("00")); });
  Bytes n_minus_1 = from_hex(kN);
  n_minus_1.back() -= 1;
  const auto minus_g = g.multiply(n_minus_1);
  EXPECT_HEX(minus_g.x(), kGx);
  expect_errc(Errc::crypto, [&] { g.add(minus_g); });
  expect_errc(Errc::crypto, [&] { multiply_generator_add(from_hex("01"), minus_g); });
  expect_errc(Errc::invalid_argument, [&] { g.multiply(Bytes{}); });
}

TEST(EcPoint, RefusesPointsOffTheCurveAndMixedCurves) {
  Bytes p = from_hex("04" + std::string(k2Gx) + std::string(k2Gy));
  p[40] ^= 0x10;
  expect_errc(Errc::crypto, [&] { EcPoint::from_encoded(Curve::p256, p); });
  expect_errc(Errc::parse, [&] { EcPoint::from_encoded(Curve::p384, from_hex("04" + std::string(k2Gx) + std::string(k2Gy))); });
  const auto g256 = EcPoint::generator(Curve::p256);
  const auto gbp = EcPoint::generator(Curve::brainpool_p256r1);
  expect_errc(Errc::invalid_argument, [&] { g256.add(gbp); });
  auto kp = EcKeyPairOnGenerator::generate(g256);
  expect_errc(Errc::invalid_argument, [&] { kp.agree(gbp); });
  expect_errc(Errc::crypto, [&] { EcKeyPairOnGenerator::from_scalar(g256, secret(kN)); });
  expect_errc(Errc::crypto, [&] { EcKeyPairOnGenerator::from_scalar(g256, secret("00")); });
}

// ICAO Doc 9303 Part 11, worked example "PACE - Generic Mapping", ECDH based example on
// brainpoolP256r1 (standardized domain parameters 13, id-PACE-ECDH-GM-AES-CBC-CMAC-128): Appendix G.1
// in the 8th edition (Appendix D.3 of the earlier supplement). Every intermediate value is checked.
TEST(EcPoint, IcaoPaceGenericMappingWorkedExample) {
  const Curve c = Curve::brainpool_p256r1;
  const auto g = EcPoint::generator(c);
  const Bytes s = from_hex("3F00C4D39D153F2B2A214A078D899B22");  // decrypted nonce

  const auto pcd_map = EcKeyPairOnGenerator::from_scalar(g, secret("7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99"));
  const auto picc_map = EcKeyPairOnGenerator::from_scalar(g, secret("498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560"));
  EXPECT_EQ(pcd_map.public_point(), point(c, "7ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E",
                                          "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D"));
  EXPECT_EQ(picc_map.public_point(), point(c, "824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57",
                                           "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54"));

  // Shared point H, computed by both sides.
  const auto h = pcd_map.agree_point(picc_map.public_point());
  EXPECT_EQ(h, picc_map.agree_point(pcd_map.public_point()));
  EXPECT_HEX(h.x(), "60332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5");
  EXPECT_HEX(h.y(), "0840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181");

  // Mapped generator G' = s·G + H.
  const auto g_mapped = multiply_generator_add(s, h);
  EXPECT_HEX(g_mapped.x(), "8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2");
  EXPECT_HEX(g_mapped.y(), "8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522");
  EXPECT_EQ(g_mapped, g.multiply(s).add(h));

  // Ephemeral key pairs over G' and the shared secret K = x(SK_PCD · PK_PICC).
  const auto pcd_eph = EcKeyPairOnGenerator::from_scalar(g_mapped, secret("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"));
  const auto picc_eph = EcKeyPairOnGenerator::from_scalar(g_mapped, secret("107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A"));
  EXPECT_EQ(pcd_eph.public_point(), point(c, "2DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C",
                                          "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462"));
  EXPECT_EQ(picc_eph.public_point(), point(c, "9E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB",
                                           "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094"));
  EXPECT_HEX(pcd_eph.agree(picc_eph.public_point()), "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925");
  EXPECT_HEX(picc_eph.agree(pcd_eph.public_point()), "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925");
  EXPECT_EQ(pcd_eph.generator(), g_mapped);
  EXPECT_HEX(pcd_eph.reveal_scalar(), "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595");
}

TEST(EcPoint, GeneratedPairsOverAMappedGeneratorAgree) {
  const Curve c = Curve::brainpool_p384r1;
  const auto g = EcPoint::generator(c);
  const auto h = EcKeyPairOnGenerator::generate(g).public_point();
  const auto g_mapped = multiply_generator_add(from_hex("0102030405060708090A0B0C0D0E0F10"), h);
  const auto a = EcKeyPairOnGenerator::generate(g_mapped);
  const auto b = EcKeyPairOnGenerator::generate(g_mapped);
  EXPECT_FALSE(a.public_point() == b.public_point());
  const SecureBytes k = a.agree(b.public_point());
  EXPECT_EQ(k.size(), field_size(c));
  EXPECT_EQ(k, b.agree(a.public_point()));
  EXPECT_EQ(a.reveal_scalar().size(), order_size(c));
}

}  // namespace
}  // namespace sesame::crypto
