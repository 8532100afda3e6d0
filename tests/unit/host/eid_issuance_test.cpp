// Issuance (host/eid/eid_issuance.h) and reading (host/eid/eid_reading.h) end to end against the
// hosted sesame.eid card, with the ICAO 9303-12 PKI of host/eid/icao_pki.h: the installed card
// passes every check, and each threat (wrong PIN, untrusted or revoked Document Signer, altered
// data group) fails exactly its own check.
#include <gtest/gtest.h>

#include <algorithm>

#include "applets/builtin.h"
#include "card/card_service.h"
#include "crypto/ec_key.h"
#include "crypto/random.h"
#include "host/eid/eid_issuance.h"
#include "host/eid/eid_reading.h"
#include "host/eid/icao_pki.h"
#include "host/in_process_reader.h"
#include "store/memory_store.h"
#include "util/hex.h"
#include "util/error.h"

namespace sesame::host::eid {
namespace {

CscaProfile profile(std::string country) {
  CscaProfile p;
  p.country = std::move(country);
  p.common_name = "Test CSCA";
  return p;
}

struct TestPki {
  crypto::PrivateKey csca_key = crypto::EcPrivateKey::generate(crypto::Curve::p384);
  crypto::Certificate csca = make_csca(profile("UT"), csca_key);
  crypto::PrivateKey ds_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  crypto::Certificate ds;
  explicit TestPki(DocumentSignerProfile dp = {})
      : ds(make_document_signer(dp, crypto::public_key_of(ds_key), csca, csca_key)) {}
};

const TestPki& pki() {
  static const TestPki p;
  return p;
}

constexpr const char* kIdentity = R"({
  "document_type": "ID", "issuing_state": "UTO", "document_number": "D23145890",
  "surname": "Eriksson", "given_names": "Anna Maria", "nationality": "UTO",
  "date_of_birth": "1974-08-12", "sex": "F", "date_of_expiry": "2034-04-15",
  "address": "12 rue de l'Exemple, Utopia"
})";

struct IssuedCard {
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService cards{*store, registry};
  std::string seid = cards.create_card({.seid = "eid", .label = ""});
  InProcessReader reader{cards, seid};
  IssuedEid issued;

  explicit IssuedCard(const std::function<void(SecureBytes&)>& tamper = {}, const TestPki& p = pki()) {
    EidSecrets s;
    s.pin = "123456";
    s.can = "500540";
    s.puk = "1234567890";
    issued = issue_eid(parse_identity_json(kIdentity), s, p.ds, p.ds_key);
    SecureBytes params = issued.install_params;
    if (tamper) tamper(params);
    cards.install_applet(seid, "sesame.eid", Bytes{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}, params.view());
    reader.connect();
  }
};

const EidCheck* find_check(const EidReadResult& r, const std::string& name) {
  for (const auto& c : r.checks)
    if (c.name == name) return &c;
  return nullptr;
}

EidReadOptions trust(std::vector<crypto::Crl> crls = {}) {
  EidReadOptions o;
  o.cscas = {pki().csca};
  o.crls = std::move(crls);
  return o;
}

TEST(EidIssuance, IcaoProfiles) {
  EXPECT_NO_THROW(check_csca_profile(pki().csca));
  EXPECT_NO_THROW(check_document_signer_profile(pki().ds, pki().csca));
  EXPECT_EQ(pki().csca.basic_constraints()->path_len, 0);
  EXPECT_NE(pki().ds.subject().find("C=UT"), std::string::npos);  // the CSCA's country
  EXPECT_FALSE(pki().ds.extended_key_usage().has_value());
  // The other way round is refused: a DS is no CSCA, a CSCA no DS.
  EXPECT_THROW(check_csca_profile(pki().ds), Error);
  EXPECT_THROW(check_document_signer_profile(pki().csca, pki().csca), Error);
  EXPECT_THROW(make_csca(profile("Utopia"), pki().csca_key), Error);
}

TEST(EidIssuance, IssuedCardPassesEveryCheck) {
  IssuedCard card;
  const EidReadResult r = read_and_verify(card.reader, {PacePassword::pin("123456")}, trust());
  for (const auto& c : r.checks) EXPECT_TRUE(c.ok) << c.name << ": " << c.detail;
  EXPECT_TRUE(r.ok());
  for (const char* name : {"PACE (PIN)", "Chip Authentication", "EF.SOD signature", "Document Signer chain", "CRL",
                           "DG1 hash", "DG13 hash", "DG14 hash", "MRZ check digits"})
    EXPECT_NE(find_check(r, name), nullptr) << name;
  EXPECT_EQ(r.mrz, card.issued.mrz);
  EXPECT_EQ(r.mrz.substr(60, 30), "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
  EXPECT_EQ(parse_dg13(r.data_groups.at(13)).address, "12 rue de l'Exemple, Utopia");
  EXPECT_EQ(r.data_groups.at(14), card.issued.data_groups.at(14));  // the card built the issuer's DG14
}

TEST(EidIssuance, CanAndMrzAlsoOpenTheCard) {
  IssuedCard card;
  EXPECT_TRUE(read_and_verify(card.reader, {PacePassword::can("500540")}, trust()).ok());
  EXPECT_TRUE(read_and_verify(card.reader, {PacePassword::mrz("D23145890", "740812", "340415")}, trust()).ok());
}

// Threat: wrong PIN. The try counter goes down, the message says so, the PIN is suspended at one
// try left and the CAN resumes it.
TEST(EidIssuance, WrongPinDecrementsAndSuspends) {
  IssuedCard card;
  EidReadResult r = read_and_verify(card.reader, {PacePassword::pin("000000")}, trust());
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.checks.size(), 1u);
  EXPECT_EQ(r.checks[0].detail, "wrong PIN: 2 tries left");
  r = read_and_verify(card.reader, {PacePassword::pin("000000")}, trust());
  EXPECT_NE(r.checks[0].detail.find("1 try left"), std::string::npos) << r.checks[0].detail;
  r = read_and_verify(card.reader, {PacePassword::pin("123456")}, trust());
  EXPECT_EQ(r.checks[0].detail, "the PIN is suspended: give the CAN as well to resume it");
  r = read_and_verify(card.reader, {PacePassword::can("500540"), PacePassword::pin("123456")}, trust());
  EXPECT_TRUE(r.ok());
  r = read_and_verify(card.reader, {PacePassword::pin("000000")}, trust());
  EXPECT_EQ(r.checks[0].detail, "wrong PIN: 2 tries left");  // the right PIN reset the counter
}

// Threat: EF.SOD signed by a Document Signer of another CSCA.
TEST(EidIssuance, UntrustedDocumentSignerFailsTheChain) {
  IssuedCard card;
  const TestPki other;
  EidReadOptions o;
  o.cscas = {other.csca};
  const EidReadResult r = read_and_verify(card.reader, {PacePassword::pin("123456")}, o);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(find_check(r, "EF.SOD signature")->ok);
  EXPECT_FALSE(find_check(r, "Document Signer chain")->ok);
  EXPECT_TRUE(find_check(r, "DG1 hash")->ok);
}

// Threat: a revoked Document Signer.
TEST(EidIssuance, RevokedDocumentSignerFailsTheCrlCheck) {
  IssuedCard card;
  const crypto::Crl empty = make_csca_crl(pki().csca, pki().csca_key, {}, 1);
  EXPECT_TRUE(read_and_verify(card.reader, {PacePassword::pin("123456")}, trust({empty})).ok());
  const crypto::Crl revoked = make_csca_crl(pki().csca, pki().csca_key, {pki().ds.serial()}, 2);
  const EidReadResult r = read_and_verify(card.reader, {PacePassword::pin("123456")}, trust({revoked}));
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(find_check(r, "CRL")->ok);
  EXPECT_TRUE(find_check(r, "Document Signer chain")->ok);
  // A CRL that is not the CSCA's does not count as one.
  const TestPki other;
  const crypto::Crl foreign = make_csca_crl(other.csca, other.csca_key, {}, 1);
  EXPECT_FALSE(find_check(read_and_verify(card.reader, {PacePassword::pin("123456")}, trust({foreign})), "CRL")->ok);
}

// Threat: a data group altered after signing (here DG1's name line in the install parameters).
TEST(EidIssuance, AlteredDataGroupFailsItsHash) {
  IssuedCard card([](SecureBytes& params) {
    const std::string needle = "ERIKSSON<<ANNA";
    auto* begin = params.data();
    auto* end = begin + params.size();
    auto* at = std::search(begin, end, needle.begin(), needle.end());
    ASSERT_NE(at, end);
    at[0] = 'A';  // "ARIKSSON": the MRZ check digits do not cover names
  });
  const EidReadResult r = read_and_verify(card.reader, {PacePassword::pin("123456")}, trust());
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(find_check(r, "DG1 hash")->ok);
  EXPECT_EQ(find_check(r, "DG1 hash")->detail, "DG1 does not match its hash in EF.SOD");
  EXPECT_TRUE(find_check(r, "DG13 hash")->ok);
  EXPECT_TRUE(find_check(r, "MRZ check digits")->ok);
}
// The DS's Document Type List (ICAO 9303-12 §7.1.1.3, OID 2.23.136.1.1.6.2): its DER, and a
// document whose type the DS may not sign. Expected bytes written from the ASN.1 in 9303-12:
// SEQUENCE { INTEGER 0, SET { PrintableString "P", PrintableString "ID" } }: a DER SET OF is
// ordered by its members' encodings (X.690 §11.6), and 13 01 50 ("P") sorts before 13 02 49 44.
TEST(EidIssuance, DocumentTypeListOfTheDocumentSigner) {
  EXPECT_EQ(to_hex(encode_document_type_list({"ID", "P"})), "300C020100310713015013024944");
  EXPECT_EQ(decode_document_type_list(from_hex("300C020100310713015013024944")),
            (std::vector<std::string>{"P", "ID"}));
  EXPECT_THROW(encode_document_type_list({"id"}), Error);
  EXPECT_THROW(encode_document_type_list({}), Error);
  EXPECT_THROW(decode_document_type_list(from_hex("3009020101310413024944")), Error);  // version 1
  EXPECT_TRUE(document_type_allowed({"I"}, "ID"));
  EXPECT_TRUE(document_type_allowed({"ID"}, "ID"));
  EXPECT_TRUE(document_type_allowed({"I"}, "I<"));
  EXPECT_FALSE(document_type_allowed({"IR"}, "ID"));
  EXPECT_FALSE(document_type_allowed({"P"}, "ID"));
  EXPECT_EQ(pki().ds.extension_value(kOidDocumentTypeList).value(), encode_document_type_list({"I"}))
      << "the default profile lists every ID card type";

  IssuedCard ok_card;
  const EidReadResult ok = read_and_verify(ok_card.reader, {PacePassword::pin("123456")}, trust());
  ASSERT_NE(find_check(ok, "Document type"), nullptr);
  EXPECT_TRUE(find_check(ok, "Document type")->ok);

  DocumentSignerProfile passports;
  passports.document_types = {"P"};
  const TestPki passport_pki(passports);
  IssuedCard card({}, passport_pki);
  EidReadOptions o;
  o.cscas = {passport_pki.csca};
  const EidReadResult r = read_and_verify(card.reader, {PacePassword::pin("123456")}, o);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(find_check(r, "Document Signer chain")->ok);
  EXPECT_FALSE(find_check(r, "Document type")->ok) << find_check(r, "Document type")->detail;
}


// Threat: an MRZ whose check digit is wrong (here the document number's, altered in DG1): the
// reader names the check digit, besides DG1's hash.
TEST(EidIssuance, WrongMrzCheckDigitIsReported) {
  IssuedCard card([](SecureBytes& params) {
    const std::string needle = "UTOD231458907";  // document number D23145890, check digit 7
    auto* begin = params.data();
    auto* end = begin + params.size();
    auto* at = std::search(begin, end, needle.begin(), needle.end());
    ASSERT_NE(at, end);
    at[needle.size() - 1] = '3';
  });
  const EidReadResult r = read_and_verify(card.reader, {PacePassword::pin("123456")}, trust());
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(find_check(r, "MRZ check digits")->ok);
  EXPECT_EQ(find_check(r, "MRZ check digits")->detail, "wrong check digit: document number, composite");
  EXPECT_FALSE(find_check(r, "DG1 hash")->ok);
}

TEST(EidIssuance, PhotoGoesToDg2AndIsCovered) {
  EidIdentity id = parse_identity_json(kIdentity);
  id.photo = Bytes(5000, 0xAB);
  const IssuedEid e = issue_eid(id, {}, pki().ds, pki().ds_key);
  ASSERT_TRUE(e.data_groups.count(2));
  card::AppletRegistry registry = applets::builtin_registry();
  auto store = store::open_memory_store(crypto::random_secret(32));
  card::CardService cards{*store, registry};
  const std::string seid = cards.create_card({.seid = "p", .label = ""});
  cards.install_applet(seid, "sesame.eid", Bytes{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}, e.install_params.view());
  InProcessReader reader(cards, seid);
  reader.connect();
  // Generated secrets are not returned: the MRZ opens the card.
  const EidReadResult r = read_and_verify(reader, {PacePassword::mrz("D23145890", "740812", "340415")}, trust());
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(find_check(r, "DG2 hash")->ok);
  EXPECT_EQ(r.data_groups.at(2), e.data_groups.at(2));
}

TEST(EidIssuance, IdentityAndSecretsAreChecked) {
  EXPECT_THROW(parse_identity_json("{"), Error);
  EXPECT_THROW(parse_identity_json("[]"), Error);
  EXPECT_THROW(parse_identity_json(R"({"document_type":"ID"})"), Error);
  std::string bad = kIdentity;
  bad.replace(bad.find("1974-08-12"), 10, "1974-13-12");
  EXPECT_THROW(parse_identity_json(bad), Error);
  EidSecrets s;
  s.pin = "12345";
  EXPECT_THROW(complete_secrets(s), Error);
  const EidSecrets g = complete_secrets({});
  EXPECT_EQ(g.pin.size(), 6u);
  EXPECT_EQ(g.can.size(), 6u);
  EXPECT_EQ(g.puk.size(), 10u);
  EXPECT_TRUE(std::all_of(g.puk.begin(), g.puk.end(), [](char c) { return c >= '0' && c <= '9'; }));
}

}  // namespace
}  // namespace sesame::host::eid
