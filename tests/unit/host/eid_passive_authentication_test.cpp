// Passive authentication (ICAO 9303-11 §5.1) of data read from the hosted eID card: EF.SOD signed
// by a Document Signer under a test CSCA (both made here with crypto/), then checked by
// host::eid::PassiveAuthentication; each tampering must be refused with a clear reason.
#include <gtest/gtest.h>

#include <chrono>

#include "crypto/certificate_builder.h"
#include "crypto/cms.h"
#include "crypto/crl.h"
#include "crypto/ec_key.h"
#include "eid_card_harness.h"
#include "host/eid/eid_terminal.h"
#include "host/eid/passive_authentication.h"
#include "iso7816/lds_security_object.h"
#include "iso7816/security_infos.h"
#include "util/error.h"

namespace sesame::host::eid {
namespace {

using namespace std::chrono_literals;

struct Pki {
  crypto::PrivateKey csca_key = crypto::EcPrivateKey::generate(crypto::Curve::brainpool_p256r1);
  crypto::Certificate csca =
      crypto::CertificateBuilder().country("FR").common_name("Test CSCA").ca(0).self_sign(csca_key);
  crypto::PrivateKey ds_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  crypto::Certificate ds = crypto::CertificateBuilder()
                               .country("FR")
                               .common_name("Test Document Signer")
                               .key_usage(crypto::KeyUsage::digital_signature)
                               .public_key(crypto::public_key_of(ds_key))
                               .sign(csca, csca_key);

  Bytes ef_sod(const std::map<int, ByteView>& groups) const {
    iso7816::LdsSecurityObject lds;
    for (const auto& [n, content] : groups) lds.data_group_hashes[n] = crypto::sha256(content);
    crypto::CmsSignOptions o;
    o.content_type = crypto::kOidIcaoLdsSecurityObject;
    return iso7816::wrap_ef_sod(crypto::cms_sign(iso7816::encode_lds_security_object(lds), ds, ds_key, o));
  }
};

void expect_crypto_error(const std::function<void()>& f, const std::string& reason) {
  try {
    f();
    ADD_FAILURE() << "accepted; expected: " << reason;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::crypto) << e.what();
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
  }
}

// The hosted card with an EF.SOD over DG1 and DG13, read the way a verifier reads it.
struct Read {
  Bytes dg1, dg13, sod, dg14;
};

Read read_card(const Pki& pki) {
  testing::HostedEid card;  // installed with the harness's placeholder EF.SOD: install a second card
  Bytes params;
  namespace a = applets::eid;
  append_tlv(params, a::kTagPin, as_bytes(testing::kPin));
  append_tlv(params, a::kTagCan, as_bytes(testing::kCan));
  append_tlv(params, a::kTagPuk, as_bytes(testing::kPuk));
  auto file = [&](std::uint16_t fid, ByteView content) {
    Bytes f;
    put_u16(f, fid);
    append_tlv(params, a::kTagFile, concat({tlv_encode(0x83, f), tlv_encode(0x53, content)}));
  };
  // The issuer makes the CA key ('C6'), so EF.SOD covers the DG14 the card will build from it.
  const auto ca = crypto::EcPrivateKey::generate(crypto::Curve::brainpool_p256r1);
  append_tlv(params, a::kTagCaKey, ca.reveal_scalar().view());
  const Bytes dg14 = iso7816::eid_dg14(ca.public_key());
  file(a::kDg1, testing::kDg1);
  file(a::kDg13, testing::kDg13);
  file(a::kEfSod, pki.ef_sod({{1, testing::kDg1}, {13, testing::kDg13}, {14, dg14}}));
  card.cards.create_card({.seid = "eid-pa", .label = ""});
  card.cards.install_applet("eid-pa", a::kModuleName, a::module().default_instance_aid, params);
  InProcessReader reader(card.cards, "eid-pa");
  reader.connect();
  EidTerminal t(reader);
  t.pace(PacePassword::can(testing::kCan));
  Bytes read_dg14 = t.chip_authentication();
  return {t.read_file_sfi(0x01), t.read_file_sfi(0x0D), t.read_file_sfi(0x1D), read_dg14};
}

TEST(EidPassiveAuthentication, GenuineDocumentPasses) {
  const Pki pki;
  const Read r = read_card(pki);
  const crypto::TrustStore cscas(std::vector<crypto::Certificate>{pki.csca});
  const auto pa = PassiveAuthentication::verify(r.sod, cscas);
  EXPECT_EQ(pa.chain().size(), 2u);
  EXPECT_EQ(pa.document_signer().subject_cn(), "Test Document Signer");
  pa.check_data_group(1, r.dg1);
  pa.check_data_group(13, r.dg13);
  pa.check_data_group(14, r.dg14);  // the key Chip Authentication ran against is the signed one
  expect_crypto_error([&] { pa.check_data_group(2, from_hex("7500")); }, "DG2 is not in EF.SOD");
}

// Threat: altered identity data.
TEST(EidPassiveAuthentication, AlteredDataGroupIsRefused) {
  const Pki pki;
  const Read r = read_card(pki);
  const auto pa =
      PassiveAuthentication::verify(r.sod, crypto::TrustStore(std::vector<crypto::Certificate>{pki.csca}));
  Bytes dg1 = r.dg1;
  dg1.back() ^= 0x01;
  expect_crypto_error([&] { pa.check_data_group(1, dg1); }, "DG1 does not match");
  expect_crypto_error([&] { pa.check_data_group(13, r.dg1); }, "DG13 does not match");
}

TEST(EidPassiveAuthentication, AlteredSignatureIsRefused) {
  const Pki pki;
  Bytes sod = pki.ef_sod({{1, testing::kDg1}});
  sod[sod.size() - 5] ^= 0x01;  // inside the ECDSA signature
  EXPECT_THROW(
      PassiveAuthentication::verify(sod, crypto::TrustStore(std::vector<crypto::Certificate>{pki.csca})),
      Error);
}

TEST(EidPassiveAuthentication, UnknownCscaIsRefused) {
  const Pki pki, other;
  const Bytes sod = pki.ef_sod({{1, testing::kDg1}});
  expect_crypto_error(
      [&] {
        PassiveAuthentication::verify(sod, crypto::TrustStore(std::vector<crypto::Certificate>{other.csca}));
      },
      "");
}

TEST(EidPassiveAuthentication, RevokedDocumentSignerIsRefused) {
  const Pki pki;
  const Bytes sod = pki.ef_sod({{1, testing::kDg1}});
  const crypto::TrustStore cscas(std::vector<crypto::Certificate>{pki.csca});
  crypto::ChainOptions o;
  o.revocation = crypto::RevocationCheck::leaf;
  o.crls.push_back(crypto::CrlBuilder().sign(pki.csca, pki.csca_key));
  PassiveAuthentication::verify(sod, cscas, o);  // a current CRL without the DS: fine
  o.crls = {crypto::CrlBuilder()
                .revoke(pki.ds, std::chrono::system_clock::now() - 1h)
                .sign(pki.csca, pki.csca_key)};
  expect_crypto_error([&] { PassiveAuthentication::verify(sod, cscas, o); }, "");
}

TEST(EidPassiveAuthentication, OtherSignedContentIsRefused) {
  const Pki pki;
  const Bytes sod = iso7816::wrap_ef_sod(crypto::cms_sign(from_hex("3000"), pki.ds, pki.ds_key));  // id-data
  expect_crypto_error(
      [&] {
        PassiveAuthentication::verify(sod, crypto::TrustStore(std::vector<crypto::Certificate>{pki.csca}));
      },
      "not an LDS Security Object");
}

TEST(LdsSecurityObject, RoundTripAndRefusals) {
  iso7816::LdsSecurityObject lds;
  lds.hash = crypto::HashAlg::sha1;
  lds.data_group_hashes[1] = crypto::sha1(from_hex("01"));
  lds.data_group_hashes[14] = crypto::sha1(from_hex("02"));
  const auto back = iso7816::parse_lds_security_object(iso7816::encode_lds_security_object(lds));
  EXPECT_EQ(back.hash, crypto::HashAlg::sha1);
  EXPECT_EQ(back.data_group_hashes, lds.data_group_hashes);
  lds.data_group_hashes[2] = Bytes(5, 0);  // wrong length for SHA-1
  EXPECT_THROW(iso7816::parse_lds_security_object(iso7816::encode_lds_security_object(lds)), Error);
  EXPECT_THROW(iso7816::unwrap_ef_sod(from_hex("7600")), Error);
}

}  // namespace
}  // namespace sesame::host::eid
