#include "crypto/ec_key.h"

#include <gtest/gtest.h>

#include "crypto/ec_curve.h"
#include "../common/expect_errc.h"
#include "hex_expect.h"
#include "util/hex.h"

namespace sesame::crypto {
namespace {

using test::expect_errc;

constexpr Curve kAllCurves[] = {Curve::p224,
                                Curve::p256,
                                Curve::p384,
                                Curve::p521,
                                Curve::brainpool_p224r1,
                                Curve::brainpool_p256r1,
                                Curve::brainpool_p320r1,
                                Curve::brainpool_p384r1,
                                Curve::brainpool_p512r1};

SecureBytes secret(std::string_view hex) { return SecureBytes(from_hex(hex)); }

// RFC 6979 A.2.5: the P-256 key pair.
constexpr std::string_view kRfc6979X = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";
constexpr std::string_view kRfc6979Ux = "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6";
constexpr std::string_view kRfc6979Uy = "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";

TEST(EcCurve, SizesAndIdentifiers) {
  EXPECT_EQ(field_size(Curve::p256), 32u);
  EXPECT_EQ(field_size(Curve::p521), 66u);
  EXPECT_EQ(field_size(Curve::brainpool_p320r1), 40u);
  EXPECT_EQ(curve_oid(Curve::p256), "1.2.840.10045.3.1.7");
  EXPECT_HEX(curve_oid_value(Curve::p256), "2A8648CE3D030107");
  EXPECT_HEX(curve_oid_value(Curve::p384), "2B81040022");
  EXPECT_HEX(curve_oid_value(Curve::brainpool_p256r1), "2B2403030208010107");
  EXPECT_HEX(curve_oid_value(Curve::brainpool_p512r1), "2B240303020801010D");
  for (Curve c : kAllCurves) {
    EXPECT_EQ(curve_from_oid(curve_oid(c)), c);
    EXPECT_EQ(curve_from_oid_value(curve_oid_value(c)), c);
  }
  EXPECT_EQ(curve_from_oid("1.2.3"), std::nullopt);
  EXPECT_EQ(jwk_crv(Curve::p384), "P-384");
  EXPECT_EQ(jwk_crv(Curve::brainpool_p256r1), std::nullopt);
  EXPECT_EQ(curve_from_jwk_crv("P-521"), Curve::p521);
  EXPECT_EQ(curve_from_jwk_crv("secp256k1"), std::nullopt);
  // ICAO 9303-11 table of standardized domain parameters: 12 = P-256, 13 = brainpoolP256r1.
  EXPECT_EQ(curve_from_standardized_id(12), Curve::p256);
  EXPECT_EQ(curve_from_standardized_id(13), Curve::brainpool_p256r1);
  EXPECT_EQ(curve_from_standardized_id(18), Curve::p521);
  EXPECT_EQ(curve_from_standardized_id(8), std::nullopt);  // P-192: not supported
}

TEST(EcPrivateKey, PublicKeyFromScalarRfc6979) {
  auto key = EcPrivateKey::from_scalar(Curve::p256, secret(kRfc6979X));
  EXPECT_HEX(key.public_key().jwk_x(), kRfc6979Ux);
  EXPECT_HEX(key.public_key().jwk_y(), kRfc6979Uy);
  EXPECT_HEX(key.reveal_scalar(), kRfc6979X);
}

TEST(EcPublicKey, SpkiKnownEncoding) {
  // X.509 SubjectPublicKeyInfo for id-ecPublicKey / prime256v1 (RFC 5480), uncompressed point.
  const std::string spki = "3059301306072A8648CE3D020106082A8648CE3D030107034200" "04" + std::string(kRfc6979Ux) +
                           std::string(kRfc6979Uy);
  auto key = EcPublicKey::from_point(Curve::p256, from_hex("04" + std::string(kRfc6979Ux) + std::string(kRfc6979Uy)));
  EXPECT_HEX(key.to_spki_der(), spki);
  auto back = EcPublicKey::from_spki_der(from_hex(spki));
  EXPECT_EQ(back, key);
  EXPECT_EQ(back.curve(), Curve::p256);
  Bytes trailing = from_hex(spki);
  trailing.push_back(0);
  expect_errc(Errc::parse, [&] { EcPublicKey::from_spki_der(trailing); });
  expect_errc(Errc::parse, [&] { EcPublicKey::from_spki_der(from_hex("3003020100")); });
}

TEST(EcPublicKey, CompressedAndJwkFormsAgree) {
  for (Curve c : kAllCurves) {
    auto priv = EcPrivateKey::generate(c);
    const auto& pub = priv.public_key();
    const Bytes u = pub.to_uncompressed_point();
    ASSERT_EQ(u.size(), 1 + 2 * field_size(c));
    const Bytes comp = pub.to_compressed_point();
    ASSERT_EQ(comp.size(), 1 + field_size(c));
    EXPECT_EQ(EcPublicKey::from_point(c, comp), pub);
    EXPECT_EQ(EcPublicKey::from_jwk_coordinates(c, pub.jwk_x(), pub.jwk_y()), pub);
    EXPECT_EQ(EcPublicKey::from_spki_der(pub.to_spki_der()), pub);
    EXPECT_EQ(EcPublicKey::from_point(pub.point()), pub);
  }
}

TEST(EcPublicKey, RefusesInvalidPoints) {
  Bytes p = from_hex("04" + std::string(kRfc6979Ux) + std::string(kRfc6979Uy));
  p.back() ^= 0x01;  // y changed: not on P-256
  expect_errc(Errc::crypto, [&] { EcPublicKey::from_point(Curve::p256, p); });
  // Right point, wrong curve.
  p.back() ^= 0x01;
  expect_errc(Errc::crypto, [&] { EcPublicKey::from_point(Curve::brainpool_p256r1, p); });
  // The point at infinity (SEC1 encodes it as a single 00).
  expect_errc(Errc::parse, [&] { EcPublicKey::from_point(Curve::p256, from_hex("00")); });
  expect_errc(Errc::parse, [&] { EcPublicKey::from_point(Curve::p256, Bytes(65, 0x00)); });
  // All-zero coordinates: (0, 0) is not on P-256.
  Bytes zeros(65, 0x00);
  zeros[0] = 0x04;
  expect_errc(Errc::crypto, [&] { EcPublicKey::from_point(Curve::p256, zeros); });
  // Truncated, hybrid form, and x >= p for a compressed point.
  expect_errc(Errc::parse, [&] { EcPublicKey::from_point(Curve::p256, Bytes(p.begin(), p.end() - 1)); });
  Bytes hybrid = p;
  hybrid[0] = 0x06;
  expect_errc(Errc::parse, [&] { EcPublicKey::from_point(Curve::p256, hybrid); });
  Bytes big_x(33, 0xFF);
  big_x[0] = 0x02;
  expect_errc(Errc::crypto, [&] { EcPublicKey::from_point(Curve::p256, big_x); });
  expect_errc(Errc::parse,
              [&] { EcPublicKey::from_jwk_coordinates(Curve::p256, from_hex(kRfc6979Ux), Bytes(31, 1)); });
}

TEST(EcPrivateKey, RefusesScalarOutOfRange) {
  expect_errc(Errc::crypto, [] { EcPrivateKey::from_scalar(Curve::p256, SecureBytes(32)); });
  // n itself (P-256 order, FIPS 186-4 D.1.2.3).
  expect_errc(Errc::crypto, [] {
    EcPrivateKey::from_scalar(Curve::p256,
                              secret("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"));
  });
  // n - 1 is the largest valid scalar; its public key is -G, which shares G's x.
  auto k = EcPrivateKey::from_scalar(Curve::p256,
                                     secret("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632550"));
  EXPECT_HEX(k.public_key().jwk_x(), "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296");
  // A short scalar is an integer with leading zeros omitted.
  auto one = EcPrivateKey::from_scalar(Curve::p256, secret("01"));
  EXPECT_HEX(one.public_key().jwk_y(), "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5");
  EXPECT_HEX(one.reveal_scalar(), "0000000000000000000000000000000000000000000000000000000000000001");
}

TEST(EcPrivateKey, Pkcs8RoundTrip) {
  for (Curve c : kAllCurves) {
    auto key = EcPrivateKey::generate(c);
    const SecureBytes der = key.to_pkcs8_der();
    auto back = EcPrivateKey::from_pkcs8_der(der.view());
    EXPECT_EQ(back.curve(), c);
    EXPECT_EQ(back.reveal_scalar(), key.reveal_scalar());
    EXPECT_EQ(back.public_key(), key.public_key());
  }
  expect_errc(Errc::parse, [] { EcPrivateKey::from_pkcs8_der(from_hex("300100")); });
}

// RFC 5903 section 8.1: 256-bit random ECP group (P-256).
TEST(Ecdh, Rfc5903P256) {
  auto i = EcPrivateKey::from_scalar(Curve::p256, secret("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433"));
  auto r = EcPrivateKey::from_scalar(Curve::p256, secret("C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53"));
  EXPECT_HEX(i.public_key().to_uncompressed_point(),
             "04DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
             "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3");
  EXPECT_HEX(r.public_key().to_uncompressed_point(),
             "04D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
             "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB");
  EXPECT_HEX(ecdh(i, r.public_key()), "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE");
  EXPECT_HEX(ecdh(r, i.public_key()), "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE");
}

// RFC 7027 appendix A.1: brainpoolP256r1 (repeated in RFC 8734 A.1).
TEST(Ecdh, Rfc7027BrainpoolP256r1) {
  const Curve c = Curve::brainpool_p256r1;
  auto a = EcPrivateKey::from_scalar(c, secret("81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D"));
  auto b = EcPrivateKey::from_scalar(c, secret("55E40BC41E37E3E2AD25C3C6654511FFA8474A91A0032087593852D3E7D76BD3"));
  EXPECT_HEX(a.public_key().jwk_x(), "44106E913F92BC02A1705D9953A8414DB95E1AAA49E81D9E85F929A8E3100BE5");
  EXPECT_HEX(a.public_key().jwk_y(), "8AB4846F11CACCB73CE49CBDD120F5A900A69FD32C272223F789EF10EB089BDC");
  EXPECT_HEX(b.public_key().jwk_x(), "8D2D688C6CF93E1160AD04CC4429117DC2C41825E1E9FCA0ADDD34E6F1B39F7B");
  EXPECT_HEX(b.public_key().jwk_y(), "990C57520812BE512641E47034832106BC7D3E8DD0E4C7F1136D7006547CEC6A");
  EXPECT_HEX(ecdh(a, b.public_key()), "89AFC39D41D3B327814B80940B042590F96556EC91E6AE7939BCE31F3A18BF2B");
  EXPECT_HEX(ecdh(b, a.public_key()), "89AFC39D41D3B327814B80940B042590F96556EC91E6AE7939BCE31F3A18BF2B");
}

TEST(Ecdh, GeneratedKeysAgreeOnEveryCurve) {
  for (Curve c : kAllCurves) {
    auto a = EcPrivateKey::generate(c);
    auto b = EcPrivateKey::generate(c);
    const SecureBytes ab = ecdh(a, b.public_key());
    EXPECT_EQ(ab.size(), field_size(c));
    EXPECT_EQ(ab, ecdh(b, a.public_key()));
  }
}

TEST(Ecdh, RefusesMixedCurves) {
  auto a = EcPrivateKey::generate(Curve::p256);
  auto b = EcPrivateKey::generate(Curve::brainpool_p256r1);
  expect_errc(Errc::invalid_argument, [&] { ecdh(a, b.public_key()); });
}

}  // namespace
}  // namespace sesame::crypto
