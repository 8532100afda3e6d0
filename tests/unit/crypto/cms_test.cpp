// CMS SignedData: ICAO 9303-10 EF.SOD-shaped signing (eContentType id-icao-mrtd-security-
// ldsSecurityObject, content embedded), detached signing, and each refusal.
#include "crypto/cms.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/certificate_builder.h"
#include "crypto/trust_store.h"
#include "../common/expect_errc.h"
#include "util/hex.h"

namespace sesame::crypto {
namespace {

using test::expect_errc;

struct Signer {
  EcPrivateKey csca_key = EcPrivateKey::generate(Curve::brainpool_p256r1);
  Certificate csca = CertificateBuilder().common_name("CSCA test").country("DE").ca(0).self_sign(csca_key);
  EcPrivateKey ds_key = EcPrivateKey::generate(Curve::brainpool_p256r1);
  Certificate ds = CertificateBuilder()
                       .common_name("DS test")
                       .country("DE")
                       .key_usage(KeyUsage::digital_signature)
                       .public_key(ds_key.public_key())
                       .sign(csca, csca_key);
};

// Any bytes stand in for an LDSSecurityObject here: CMS does not interpret its content.
const Bytes kContent = from_hex("3021020100300D06096086480165030402010500300D300B020101040600112233445566");

Bytes flip_in_content(Bytes der, const Bytes& content) {
  auto it = std::search(der.begin(), der.end(), content.begin(), content.end());
  EXPECT_NE(it, der.end());
  it[content.size() - 1] ^= 0x01;
  return der;
}

}  // namespace

TEST(Cms, EmbeddedLdsSecurityObjectRoundTrip) {
  Signer s;
  CmsSignOptions opts;
  opts.content_type = kOidIcaoLdsSecurityObject;
  const Bytes der = cms_sign(kContent, s.ds, s.ds_key, opts);

  const CmsVerified v = cms_verify(der);
  EXPECT_EQ(v.content_type, "2.23.136.1.1.1");
  EXPECT_EQ(v.content, kContent);
  EXPECT_EQ(v.signer, s.ds);
  ASSERT_EQ(v.certificates.size(), 1u);
  EXPECT_EQ(v.certificates[0], s.ds);

  // The chain to the CSCA is validated separately.
  TrustStore store(std::vector<Certificate>{s.csca});
  EXPECT_EQ(store.verify(v.signer).size(), 2u);
}

TEST(Cms, DefaultContentTypeIsData) {
  Signer s;
  const CmsVerified v = cms_verify(cms_sign(kContent, s.ds, s.ds_key));
  EXPECT_EQ(v.content_type, kOidCmsData);
  EXPECT_EQ(v.content, kContent);
}

TEST(Cms, RsaSignerSha384WithIntermediate) {
  const auto root_key = RsaPrivateKey::generate(2048);
  const auto root = CertificateBuilder().common_name("root").ca().self_sign(root_key);
  const auto ca_key = RsaPrivateKey::generate(2048);
  const auto ca = CertificateBuilder().common_name("ca").ca(0).public_key(ca_key.public_key()).sign(root, root_key);
  CmsSignOptions opts;
  opts.hash = SignatureHash::sha384;
  opts.extra_certificates = {root, ca, root};  // the signer and a duplicate are included once
  const CmsVerified v = cms_verify(cms_sign(kContent, ca, ca_key, opts));
  EXPECT_EQ(v.signer, ca);
  EXPECT_EQ(v.content, kContent);
  ASSERT_EQ(v.certificates.size(), 2u);
  TrustStore store(std::vector<Certificate>{root});
  EXPECT_EQ(store.verify(v.signer, v.certificates).size(), 2u);
}

TEST(Cms, DetachedContent) {
  Signer s;
  CmsSignOptions opts;
  opts.detached = true;
  const Bytes der = cms_sign(kContent, s.ds, s.ds_key, opts);
  EXPECT_EQ(std::search(der.begin(), der.end(), kContent.begin(), kContent.end()), der.end());

  const CmsVerified v = cms_verify(der, ByteView(kContent));
  EXPECT_EQ(v.content, kContent);
  EXPECT_EQ(v.signer, s.ds);

  Bytes other = kContent;
  other.back() ^= 0x80;
  expect_errc(Errc::crypto, [&] { cms_verify(der, ByteView(other)); });
  expect_errc(Errc::invalid_argument, [&] { cms_verify(der); });
  expect_errc(Errc::invalid_argument, [&] { cms_verify(cms_sign(kContent, s.ds, s.ds_key), ByteView(kContent)); });
}

TEST(Cms, ModifiedContentRefused) {
  Signer s;
  CmsSignOptions opts;
  opts.content_type = kOidIcaoLdsSecurityObject;
  const Bytes der = cms_sign(kContent, s.ds, s.ds_key, opts);
  expect_errc(Errc::crypto, [&] { cms_verify(flip_in_content(der, kContent)); });
  // A flipped bit in the signature (the end of the DER: the last SignerInfo field).
  Bytes sig_flipped = der;
  sig_flipped[sig_flipped.size() - 2] ^= 0x01;
  expect_errc(Errc::crypto, [&] { cms_verify(sig_flipped); });
}

TEST(Cms, WrongSignerRefused) {
  Signer s;
  CmsSignOptions opts;
  opts.include_signer_certificate = false;
  const Bytes der = cms_sign(kContent, s.ds, s.ds_key, opts);

  // Without the signer certificate it cannot be verified; with it (as a candidate) it can.
  expect_errc(Errc::crypto, [&] { cms_verify(der); });
  EXPECT_EQ(cms_verify(der, std::nullopt, std::vector<Certificate>{s.ds}).signer, s.ds);

  // A different certificate is not the signer.
  expect_errc(Errc::crypto, [&] { cms_verify(der, std::nullopt, std::vector<Certificate>{s.csca}); });

  // An impostor certificate with the signer's issuer and serial number (so the SignerInfo's
  // issuerAndSerialNumber points at it) but another key: the signature does not verify.
  const auto other_key = EcPrivateKey::generate(Curve::brainpool_p256r1);
  const auto impostor = CertificateBuilder()
                            .common_name("DS test")
                            .country("DE")
                            .serial(s.ds.serial())
                            .public_key(other_key.public_key())
                            .sign(s.csca, s.csca_key);
  expect_errc(Errc::crypto, [&] { cms_verify(der, std::nullopt, std::vector<Certificate>{impostor}); });

  // Signing with a key that is not the certificate's is refused up front.
  expect_errc(Errc::invalid_argument, [&] { cms_sign(kContent, s.ds, other_key); });
}

TEST(Cms, MalformedInputRefused) {
  Signer s;
  expect_errc(Errc::parse, [&] { cms_verify(Bytes{0x30, 0x00}); });
  expect_errc(Errc::parse, [&] { cms_verify(s.ds.der()); });
  Bytes der = cms_sign(kContent, s.ds, s.ds_key);
  der.push_back(0);
  expect_errc(Errc::parse, [&] { cms_verify(der); });
  CmsSignOptions opts;
  opts.content_type = "not.an.oid";
  expect_errc(Errc::invalid_argument, [&] { cms_sign(kContent, s.ds, s.ds_key, opts); });
}

}  // namespace sesame::crypto
