// EMV certificates and signed dynamic data (crypto/emv_certificates.h).
//
// No published EMV certificate with its keys was found to test recovery against, so recovery is
// cross-checked against an independent implementation: the blocks below were formatted by a
// Python script with hashlib's SHA-1 (Book 2 §5.3 Table 13 issuer certificate; §6.5 Table 17
// format-05 SDAD) and signed with the OpenSSL 3.0 command line's raw RSA private operation
// (`openssl pkeyutl -decrypt -pkeyopt rsa_padding_mode:none`) under keys made by
// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -pkeyopt rsa_keygen_pubexp:3`.
// None of these values came from sesame's code. The remaining tests are round trips and tamper
// checks.
#include "crypto/emv_certificates.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "crypto/hash.h"
#include "util/hex.h"

namespace sesame::crypto::emv {
namespace {

const char* const kCaModulus =
    "BABAF215DF7EC75EA620CF7E3E61337E2A6C7B2E34C352B7DA9343BFF38E3D56"
    "3578805B492E33ADB75337CF7F819472EFD8DE825A976D7B6C1C6B416512AA13"
    "14509E85F26E9635431B3F9223D30DAC06BEA43164E06F01FF3D130FCEFC5164"
    "D884B3DFBBAB05E9646418942A1FEC04159B448EC744FF3D014CB6CC163CDFEF";
const char* const kIssuerCertificate =
    "80FCC8762613C3066106EFC2B78BCE6ECC980DBBA52E6ED59186017023DC8969"
    "E887A4EBDF13C55F215E8576327F27B862EF61A3EB7916E819F4C185F48594D0"
    "9EFBB96012FEDFF6D90271105D7F9CB2B8CF2CBD2F2847C0FBFC47970F5BC900"
    "383EAED3E50675F2763D27EF5F50AA22B4FA589216CDC208B898C06DFF798ED2";
const char* const kIssuerRemainder =
    "2B7204166B41E11D12A3D76A2BDC54BFAD4888511F00CF235B0AD7C3F5B43CC7"
    "D7BA092F";
const char* const kIssuerModulus =
    "EDE7FB95D7FE512081B8A7DC28267384BFC4A0F520426BD2FD385526A25F2F0A"
    "6055F0B410B82ACFBD59BA59E9AD6A033CC42C7C4036FBB3810FCA05897C3A9E"
    "20686F6B054C4C0DF7EAF0972B854DEBA649F720E8ACF72B2489C5412B720416"
    "6B41E11D12A3D76A2BDC54BFAD4888511F00CF235B0AD7C3F5B43CC7D7BA092F";
const char* const kSdad =
    "47FFBF399CDA848970465959530428D71587B7B72F47E71015C5D9A4152B28BF"
    "519956B9C532BCC85C75A0FED01645A71D01894BED5CDBD9088B9D3DCA0A2277"
    "DCD14DAC628E2E0C0560F81578B9FF3ADCD608CDA27CEAEA199DA0693DE44F0C"
    "ED0D012502F90E98DDFA6A68B2836B916B55EC6CF4C1C430F1EA8C1DCB761FE0";
const char* const kDynamicData =
    "02123440010203040506070841C48B55FA9164E123CC73B1157459E840BE5D24";

// The CA test key above as PKCS#8 (a test key made for this file, not a secret).
const char* const kCaPkcs8 =
    "30820276020100300D06092A864886F70D0101010500048202603082025C0201"
    "0002818100BABAF215DF7EC75EA620CF7E3E61337E2A6C7B2E34C352B7DA9343"
    "BFF38E3D563578805B492E33ADB75337CF7F819472EFD8DE825A976D7B6C1C6B"
    "416512AA1314509E85F26E9635431B3F9223D30DAC06BEA43164E06F01FF3D13"
    "0FCEFC5164D884B3DFBBAB05E9646418942A1FEC04159B448EC744FF3D014CB6"
    "CC163CDFEF0201030281807C7CA163EA5484E9C415DFA97EEB77A9719DA77423"
    "2CE1CFE70CD7D54D097E3978FB003CDB742273CF8CCFDFAA5662F74A909456E7"
    "0F9E524812F22B98B71C0B9448FF26D0F7C0F4E87E363A8D5A36962B116738C9"
    "24F8AA67AAD593DC7E496FCE21882D9EE39FE4ACC5A877DCFE1F5822433DEFFC"
    "60B0A7B4C1FB8D58718D4B024100E67DD67867ABB9E1ECBEF9D5F2956E5367ED"
    "831B86139244B7F43BD51D245E6CA15A98A8A278C52C7DDBF9755067EB71437E"
    "D3B62E50C8601CA6F84608B90F17024100CF654953514F3AE3F99EF4645D364D"
    "775E370640B11567BDABC896DCE71A84D081F7CEF2AADCD0E5E35FA26B0E3AD1"
    "8E9EB793F09E632DE15582C53208D97CE902410099A939A59A727BEBF329FBE3"
    "F70E498CEFF3ACBD040D0C2DCFF827E368C2E99DC0E710706C508372FE92A64E"
    "359A9CF62CFF37CEC98B30401319FAD95B260A0F0241008A4386378B8A2742A6"
    "69F842E8CEDE4F9424AED5CB639A7E7285B9E89A11ADE056A534A1C73DE09942"
    "3FC19CB427365F147A62A0699773EB8E572E215B3BA89B024100A50C5113C85E"
    "058C5D0D745B0E087716E784EE440274789318B8FD081DA714AB026C27FF194A"
    "3B317BEE6EA1F13B75CDE39DA76DF5111AC2D2B5B18122050D4E";

// The builder gives the same bytes as the Python/OpenSSL one: raw RSA is deterministic.
TEST(EmvCertificates, MakesTheSameIssuerCertificateAsOpenSsl) {
  const auto ca = RsaPrivateKey::from_pkcs8_der(from_hex(kCaPkcs8));
  const auto issuer = RsaPublicKey::from_components(from_hex(kIssuerModulus), Bytes{3});
  const auto c = make_issuer_certificate(ca, {from_hex("541333FF"), from_hex("1249"), from_hex("000042")}, issuer);
  EXPECT_EQ(to_hex(c.certificate), std::string(kIssuerCertificate));
  EXPECT_EQ(to_hex(c.remainder), std::string(kIssuerRemainder));
}

TEST(EmvCertificates, RecoversAnIssuerCertificateMadeByOpenSsl) {
  const auto ca = RsaPublicKey::from_components(from_hex(kCaModulus), Bytes{3});
  const auto r = recover_issuer_certificate(ca, from_hex(kIssuerCertificate), from_hex(kIssuerRemainder), Bytes{3});
  EXPECT_EQ(to_hex(r.fields.identifier), "541333FF");
  EXPECT_EQ(to_hex(r.fields.expiry), "1249");
  EXPECT_EQ(to_hex(r.fields.serial), "000042");
  EXPECT_EQ(to_hex(r.key.modulus()), kIssuerModulus);
  EXPECT_EQ(to_hex(r.key.public_exponent()), "03");
  // The remainder and the exponent are in the hash.
  Bytes rem = from_hex(kIssuerRemainder);
  rem.back() ^= 1;
  test::expect_errc(Errc::crypto, [&] { (void)recover_issuer_certificate(ca, from_hex(kIssuerCertificate), rem, Bytes{3}); });
  test::expect_errc(Errc::crypto, [&] {
    (void)recover_issuer_certificate(ca, from_hex(kIssuerCertificate), from_hex(kIssuerRemainder), Bytes{1, 0, 1});
  });
  // An ICC certificate parser refuses it (format 02, not 04).
  test::expect_errc(Errc::crypto, [&] {
    (void)recover_icc_certificate(ca, from_hex(kIssuerCertificate), from_hex(kIssuerRemainder), Bytes{3}, {});
  });
}

TEST(EmvCertificates, RecoversAnSdadMadeByOpenSsl) {
  const auto icc = RsaPublicKey::from_components(from_hex(kIssuerModulus), Bytes{3});
  const Bytes dd = recover_dynamic_data(icc, from_hex(kSdad), from_hex("CAFEBABE"));
  EXPECT_EQ(to_hex(dd), kDynamicData);
  const auto cda = parse_cda_dynamic_data(dd);
  EXPECT_EQ(to_hex(cda.icc_dynamic_number), "1234");
  EXPECT_EQ(cda.cid, 0x40);
  EXPECT_EQ(to_hex(cda.cryptogram), "0102030405060708");
  EXPECT_EQ(to_hex(cda.transaction_data_hash), to_hex(sha1(as_bytes("transaction"))));
  test::expect_errc(Errc::crypto, [&] { (void)recover_dynamic_data(icc, from_hex(kSdad), from_hex("CAFEBABF")); });
}

struct Keys {
  RsaPrivateKey ca = RsaPrivateKey::generate(1408, 3);
  RsaPrivateKey issuer = RsaPrivateKey::generate(1152, 3);
  RsaPrivateKey icc = RsaPrivateKey::generate(1024, 65537);
};
const Keys& keys() {
  static const Keys k;
  return k;
}

const CertificateFields kIssuerFields{from_hex("541333FF"), from_hex("1249"), from_hex("000001")};
const CertificateFields kIccFields{from_hex("5413330089010608FFFF"), from_hex("1230"), from_hex("000002")};

TEST(EmvCertificates, ChainRoundTripWithAndWithoutRemainders) {
  const auto& k = keys();
  const auto ic = make_issuer_certificate(k.ca, kIssuerFields, k.issuer.public_key());
  EXPECT_EQ(ic.certificate.size(), 176u);
  EXPECT_EQ(ic.remainder.size(), 144u - (176u - 36u));
  const auto issuer = recover_issuer_certificate(k.ca.public_key(), ic.certificate, ic.remainder, Bytes{3});
  EXPECT_TRUE(issuer.key == k.issuer.public_key());
  EXPECT_EQ(issuer.fields.identifier, kIssuerFields.identifier);

  const Bytes static_data = from_hex("5A0854133300890106085F24033012319F4A0182");
  const auto cc = make_icc_certificate(k.issuer, kIccFields, k.icc.public_key(), static_data);
  EXPECT_EQ(cc.certificate.size(), 144u);
  const auto icc = recover_icc_certificate(issuer.key, cc.certificate, cc.remainder, Bytes{1, 0, 1}, static_data);
  EXPECT_TRUE(icc.key == k.icc.public_key());
  EXPECT_EQ(icc.fields.identifier, kIccFields.identifier);
  EXPECT_EQ(to_hex(icc.fields.expiry), "1230");

  // A key that fits entirely: no remainder, BB padding (a 1024-bit key under the 1408-bit CA).
  const auto small = make_issuer_certificate(k.ca, kIssuerFields, k.icc.public_key());
  EXPECT_TRUE(small.remainder.empty());
  EXPECT_TRUE(recover_issuer_certificate(k.ca.public_key(), small.certificate, {}, Bytes{1, 0, 1}).key == k.icc.public_key());
  test::expect_errc(Errc::crypto, [&] {
    (void)recover_issuer_certificate(k.ca.public_key(), small.certificate, Bytes{1}, Bytes{1, 0, 1});
  });
}

TEST(EmvCertificates, TamperingIsRefused) {
  const auto& k = keys();
  const Bytes static_data = from_hex("5A085413330089010608");
  const auto cc = make_icc_certificate(k.issuer, kIccFields, k.icc.public_key(), static_data);
  Bytes other = static_data;
  other.back() ^= 1;
  test::expect_errc(Errc::crypto, [&] {
    (void)recover_icc_certificate(k.issuer.public_key(), cc.certificate, cc.remainder, Bytes{1, 0, 1}, other);
  });
  Bytes cert = cc.certificate;
  cert[10] ^= 0x01;
  test::expect_errc(Errc::crypto, [&] {
    (void)recover_icc_certificate(k.issuer.public_key(), cert, cc.remainder, Bytes{1, 0, 1}, static_data);
  });
  test::expect_errc(Errc::crypto, [&] {
    (void)recover_icc_certificate(k.ca.public_key(), cc.certificate, cc.remainder, Bytes{1, 0, 1}, static_data);
  });
  test::expect_errc(Errc::crypto, [&] {
    (void)recover_icc_certificate(k.issuer.public_key(), Bytes(10, 0), cc.remainder, Bytes{1, 0, 1}, static_data);
  });
}

TEST(EmvCertificates, SdadRoundTripAndLimits) {
  const auto& k = keys();
  const CdaDynamicData d{from_hex("0102030405060708"), 0x80, from_hex("1122334455667788"), sha1(as_bytes("x"))};
  const Bytes sdad = sign_dynamic_data(k.icc, encode_cda_dynamic_data(d), from_hex("01020304"));
  EXPECT_EQ(sdad.size(), 128u);
  const auto back = parse_cda_dynamic_data(recover_dynamic_data(k.icc.public_key(), sdad, from_hex("01020304")));
  EXPECT_EQ(back.icc_dynamic_number, d.icc_dynamic_number);
  EXPECT_EQ(back.cid, 0x80);
  EXPECT_EQ(back.cryptogram, d.cryptogram);
  test::expect_errc(Errc::invalid_argument, [&] { (void)sign_dynamic_data(k.icc, Bytes(104, 0), {}); });
  test::expect_errc(Errc::crypto, [&] { (void)parse_cda_dynamic_data(from_hex("0101")); });
  test::expect_errc(Errc::crypto, [&] { (void)recover_dynamic_data(k.issuer.public_key(), sdad, from_hex("01020304")); });
}

}  // namespace
}  // namespace sesame::crypto::emv
