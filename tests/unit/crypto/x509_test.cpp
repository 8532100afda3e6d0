// X.509 issuing, parsing and path validation: the development PKI sesamed creates on first start
// (a CA, a TLS server certificate for localhost/127.0.0.1, a client certificate CN=admin), and
// each way a chain must be refused.
#include "crypto/x509.h"

#include <gtest/gtest.h>

#include "crypto/certificate_builder.h"
#include "crypto/crl.h"
#include "crypto/hash.h"
#include "crypto/trust_store.h"
#include "util/error.h"

#include "../common/expect_errc.h"

namespace sesame::crypto {
namespace {

using std::chrono::hours;
using Clock = std::chrono::system_clock;

using test::error_code_of;

struct Pki {
  EcPrivateKey ca_key = EcPrivateKey::generate(Curve::p256);
  EcPrivateKey server_key = EcPrivateKey::generate(Curve::p256);
  EcPrivateKey client_key = EcPrivateKey::generate(Curve::p256);
  Certificate ca;
  Certificate server;
  Certificate client;

  Pki()
      : ca(CertificateBuilder()
               .common_name("sesame development CA")
               .organization("sesame")
               .country("DE")
               .ca(0)
               .self_sign(ca_key, SignatureHash::sha256)),
        server(CertificateBuilder()
                   .common_name("localhost")
                   .organization("sesame")
                   .dns_name("localhost")
                   .ip_address("127.0.0.1")
                   .key_usage(KeyUsage::digital_signature)
                   .extended_key_usage(ExtendedKeyUsage::server_auth)
                   .public_key(server_key.public_key())
                   .sign(ca, ca_key)),
        client(CertificateBuilder()
                   .common_name("admin")
                   .organization("sesame")
                   .key_usage(KeyUsage::digital_signature)
                   .extended_key_usage(ExtendedKeyUsage::client_auth)
                   .public_key(client_key.public_key())
                   .sign(ca, ca_key)) {}
};

}  // namespace

TEST(X509, DevelopmentPkiChainsVerify) {
  Pki pki;
  TrustStore store(std::vector<Certificate>{pki.ca});

  ChainOptions server_opts;
  server_opts.purpose = CertPurpose::server_auth;
  const auto chain = store.verify(pki.server, {}, server_opts);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0], pki.server);
  EXPECT_EQ(chain[1], pki.ca);

  ChainOptions client_opts;
  client_opts.purpose = CertPurpose::client_auth;
  const auto client_chain = store.verify(pki.client, {}, client_opts);
  ASSERT_EQ(client_chain.size(), 2u);
  EXPECT_EQ(client_chain[1], pki.ca);

  // Each certificate is good for its own purpose only.
  EXPECT_EQ(error_code_of([&] { store.verify(pki.client, {}, server_opts); }), Errc::crypto);
  EXPECT_EQ(error_code_of([&] { store.verify(pki.server, {}, client_opts); }), Errc::crypto);
}

TEST(X509, IssuedFieldsReadBack) {
  Pki pki;
  EXPECT_EQ(pki.ca.subject(), "CN=sesame development CA,O=sesame,C=DE");
  EXPECT_EQ(pki.ca.issuer(), pki.ca.subject());
  EXPECT_TRUE(pki.ca.is_self_issued());
  EXPECT_EQ(pki.server.issuer(), pki.ca.subject());
  EXPECT_EQ(pki.server.subject_cn(), "localhost");
  EXPECT_EQ(pki.server.issuer_cn(), "sesame development CA");
  EXPECT_EQ(pki.client.subject(), "CN=admin,O=sesame");
  EXPECT_FALSE(pki.client.is_self_issued());

  const auto bc = pki.ca.basic_constraints();
  ASSERT_TRUE(bc);
  EXPECT_TRUE(bc->ca);
  EXPECT_EQ(bc->path_len, 0);
  ASSERT_TRUE(pki.server.basic_constraints());
  EXPECT_FALSE(pki.server.basic_constraints()->ca);

  EXPECT_EQ(pki.ca.key_usage(), KeyUsage::key_cert_sign | KeyUsage::crl_sign);
  EXPECT_EQ(pki.server.key_usage(), KeyUsage::digital_signature);
  EXPECT_EQ(pki.ca.extended_key_usage(), std::nullopt);
  EXPECT_EQ(pki.server.extended_key_usage(), ExtendedKeyUsage::server_auth);
  EXPECT_EQ(pki.client.extended_key_usage(), ExtendedKeyUsage::client_auth);

  EXPECT_EQ(pki.server.dns_names(), std::vector<std::string>{"localhost"});
  EXPECT_EQ(pki.server.ip_addresses(), std::vector<Bytes>{Bytes({127, 0, 0, 1})});
  EXPECT_TRUE(pki.client.dns_names().empty());

  // SKI is the SHA-1 of the public key bits (RFC 5280 §4.2.1.2 method 1): 20 bytes; the leaf's
  // AKI names the CA's SKI.
  ASSERT_TRUE(pki.ca.subject_key_id());
  EXPECT_EQ(pki.ca.subject_key_id()->size(), 20u);
  EXPECT_EQ(pki.server.authority_key_id(), pki.ca.subject_key_id());
  EXPECT_NE(pki.server.subject_key_id(), pki.ca.subject_key_id());

  // Random serials: 16 bytes, positive, distinct.
  EXPECT_EQ(pki.server.serial().size(), 16u);
  EXPECT_NE(pki.server.serial(), pki.client.serial());

  EXPECT_LE(pki.server.not_before(), Clock::now());
  EXPECT_GT(pki.server.not_after(), Clock::now() + hours(24 * 300));

  EXPECT_EQ(pki.server.fingerprint_sha256(), sha256(pki.server.der()));
  const PublicKey pk = pki.server.public_key();
  const auto* pub = std::get_if<EcPublicKey>(&pk);
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(*pub, pki.server_key.public_key());
}

TEST(X509, DerAndPemRoundTrip) {
  Pki pki;
  EXPECT_EQ(Certificate::from_der(pki.server.der()), pki.server);
  const std::string pem = pki.server.pem();
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
  EXPECT_EQ(Certificate::from_pem(pem), pki.server);
  const auto all = Certificate::all_from_pem(pem + pki.ca.pem());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1], pki.ca);
  EXPECT_EQ(error_code_of([&] { Certificate::from_pem(pem + pki.ca.pem()); }), Errc::parse);
  EXPECT_EQ(error_code_of([&] { Certificate::from_pem("no pem here"); }), Errc::parse);
}

TEST(X509, MalformedDerRefused) {
  Pki pki;
  Bytes der = pki.server.der();
  EXPECT_EQ(error_code_of([&] { Certificate::from_der(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}); }), Errc::parse);
  Bytes trailing = der;
  trailing.push_back(0x00);
  EXPECT_EQ(error_code_of([&] { Certificate::from_der(trailing); }), Errc::parse);
  Bytes truncated(der.begin(), der.end() - 1);
  EXPECT_EQ(error_code_of([&] { Certificate::from_der(truncated); }), Errc::parse);
}

TEST(X509, SignatureCheckedAgainstIssuer) {
  Pki pki;
  pki.server.verify_signature(pki.ca);
  pki.ca.verify_signature(pki.ca);
  // Not the issuer by name.
  EXPECT_EQ(error_code_of([&] { pki.server.verify_signature(pki.client); }), Errc::crypto);

  // Same name, different key: an impostor CA.
  const auto other_key = EcPrivateKey::generate(Curve::p256);
  const auto impostor = CertificateBuilder()
                            .common_name("sesame development CA")
                            .organization("sesame")
                            .country("DE")
                            .ca(0)
                            .self_sign(other_key);
  EXPECT_EQ(error_code_of([&] { pki.server.verify_signature(impostor); }), Errc::crypto);

  // A flipped bit in the signature value (the last bytes of the DER).
  Bytes der = pki.server.der();
  der[der.size() - 3] ^= 0x01;
  const auto tampered = Certificate::from_der(der);
  EXPECT_EQ(error_code_of([&] { tampered.verify_signature(pki.ca); }), Errc::crypto);
  TrustStore store(std::vector<Certificate>{pki.ca});
  EXPECT_EQ(error_code_of([&] { store.verify(tampered); }), Errc::crypto);
}

TEST(X509, WrongIssuerRefused) {
  Pki pki;
  const auto other_key = EcPrivateKey::generate(Curve::p256);
  const auto other_ca = CertificateBuilder().common_name("other CA").ca().self_sign(other_key);
  const auto foreign =
      CertificateBuilder().common_name("localhost").public_key(pki.server_key.public_key()).sign(other_ca, other_key);
  TrustStore store(std::vector<Certificate>{pki.ca});
  EXPECT_EQ(error_code_of([&] { store.verify(foreign); }), Errc::crypto);
  // Offering the foreign CA as an intermediate does not make it trusted.
  EXPECT_EQ(error_code_of([&] { store.verify(foreign, std::vector<Certificate>{other_ca}); }), Errc::crypto);

  // An impostor with the trusted CA's name signs a leaf: its authority key id names a key the
  // store does not hold, so no path is found.
  const auto impostor = CertificateBuilder()
                            .common_name("sesame development CA")
                            .organization("sesame")
                            .country("DE")
                            .ca(0)
                            .self_sign(other_key);
  const auto forged =
      CertificateBuilder().common_name("localhost").public_key(pki.server_key.public_key()).sign(impostor, other_key);
  EXPECT_EQ(error_code_of([&] { store.verify(forged); }), Errc::crypto);

  // Signing with a key that is not the issuer's is refused up front.
  EXPECT_EQ(error_code_of([&] {
              CertificateBuilder().common_name("x").public_key(pki.server_key.public_key()).sign(pki.ca, other_key);
            }),
            Errc::invalid_argument);
}

TEST(X509, ValidityCheckedAtVerificationTime) {
  const auto key = EcPrivateKey::generate(Curve::p256);
  const auto start = Clock::now() - hours(24 * 10);
  const auto ca =
      CertificateBuilder().common_name("CA").ca().validity(start - hours(48), start + hours(24 * 3650)).self_sign(key);
  const auto leaf_key = EcPrivateKey::generate(Curve::p384);
  const auto leaf = CertificateBuilder()
                        .common_name("leaf")
                        .validity(start, start + hours(24 * 5))  // expired five days ago
                        .public_key(leaf_key.public_key())
                        .sign(ca, key, SignatureHash::sha384);
  TrustStore store(std::vector<Certificate>{ca});
  ChainOptions opts;
  EXPECT_EQ(error_code_of([&] { store.verify(leaf, {}, opts); }), Errc::crypto);  // now: expired
  opts.at = start + hours(24);
  EXPECT_EQ(store.verify(leaf, {}, opts).size(), 2u);
  opts.at = start - hours(1);  // the leaf is not yet valid (the CA is)
  EXPECT_EQ(error_code_of([&] { store.verify(leaf, {}, opts); }), Errc::crypto);
  // Second-resolution times survive the round trip through ASN.1.
  EXPECT_EQ(std::chrono::floor<std::chrono::seconds>(leaf.not_after()),
            std::chrono::floor<std::chrono::seconds>(start + hours(24 * 5)));
}

TEST(X509, RevocationByCrl) {
  Pki pki;
  TrustStore store(std::vector<Certificate>{pki.ca});
  const auto now = Clock::now();
  const Crl crl = CrlBuilder().crl_number(7).revoke(pki.server, now - hours(1)).sign(pki.ca, pki.ca_key);
  const Crl empty_crl = CrlBuilder().crl_number(8).sign(pki.ca, pki.ca_key);

  crl.verify_signature(pki.ca);
  EXPECT_EQ(crl.issuer(), pki.ca.subject());
  EXPECT_EQ(crl.crl_number(), 7u);
  EXPECT_EQ(crl.revoked_serials(), std::vector<Bytes>{pki.server.serial()});
  EXPECT_TRUE(crl.lists(pki.server));
  EXPECT_FALSE(crl.lists(pki.client));
  ASSERT_TRUE(crl.next_update());
  EXPECT_GT(*crl.next_update(), crl.this_update());
  EXPECT_EQ(Crl::from_pem(crl.pem()).der(), crl.der());
  EXPECT_EQ(Crl::from_der(crl.der()).der(), crl.der());

  ChainOptions opts;
  opts.revocation = RevocationCheck::leaf;
  opts.crls = {crl};
  EXPECT_EQ(error_code_of([&] { store.verify(pki.server, {}, opts); }), Errc::crypto);
  EXPECT_EQ(store.verify(pki.client, {}, opts).size(), 2u);

  opts.crls = {empty_crl};
  EXPECT_EQ(store.verify(pki.server, {}, opts).size(), 2u);

  // Revocation checking without any CRL fails closed.
  opts.crls.clear();
  EXPECT_EQ(error_code_of([&] { store.verify(pki.client, {}, opts); }), Errc::crypto);

  // A CRL past its nextUpdate at the verification time is refused too.
  opts.crls = {empty_crl};
  opts.at = now + hours(24 * 8);
  EXPECT_EQ(error_code_of([&] { store.verify(pki.client, {}, opts); }), Errc::crypto);

  // A CRL signed by an impostor with the CA's name does not count.
  const auto other_key = EcPrivateKey::generate(Curve::p256);
  const auto impostor = CertificateBuilder()
                            .common_name("sesame development CA")
                            .organization("sesame")
                            .country("DE")
                            .ca(0)
                            .self_sign(other_key);
  const Crl forged = CrlBuilder().sign(impostor, other_key);
  EXPECT_EQ(error_code_of([&] { forged.verify_signature(pki.ca); }), Errc::crypto);
  opts.at.reset();
  opts.crls = {forged};
  EXPECT_EQ(error_code_of([&] { store.verify(pki.client, {}, opts); }), Errc::crypto);
}

TEST(X509, IntermediatesAndPathLength) {
  const auto root_key = RsaPrivateKey::generate(2048);
  const auto root = CertificateBuilder().common_name("Root").organization("sesame").ca().self_sign(root_key);
  const auto int_key = EcPrivateKey::generate(Curve::p384);
  const auto intermediate =
      CertificateBuilder().common_name("Intermediate").ca(0).public_key(int_key.public_key()).sign(root, root_key);
  const auto leaf_key = EcPrivateKey::generate(Curve::p256);
  const auto leaf = CertificateBuilder()
                        .common_name("leaf")
                        .public_key(leaf_key.public_key())
                        .sign(intermediate, int_key, SignatureHash::sha384);
  EXPECT_TRUE(std::holds_alternative<RsaPublicKey>(root.public_key()));

  TrustStore store(std::vector<Certificate>{root});
  const auto chain = store.verify(leaf, std::vector<Certificate>{intermediate});
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[1], intermediate);
  EXPECT_EQ(chain[2], root);
  EXPECT_EQ(error_code_of([&] { store.verify(leaf); }), Errc::crypto);  // intermediate missing

  // The intermediate may not issue CA certificates (pathLenConstraint 0).
  const auto sub_key = EcPrivateKey::generate(Curve::p256);
  const auto sub_ca = CertificateBuilder().common_name("Sub").ca().public_key(sub_key.public_key()).sign(intermediate, int_key);
  const auto deep_leaf = CertificateBuilder().common_name("deep").public_key(leaf_key.public_key()).sign(sub_ca, sub_key);
  EXPECT_EQ(error_code_of([&] { store.verify(deep_leaf, std::vector<Certificate>{intermediate, sub_ca}); }), Errc::crypto);

  // A leaf (CA:FALSE) cannot act as an issuer.
  const auto fake = CertificateBuilder().common_name("fake").public_key(sub_key.public_key()).sign(leaf, leaf_key);
  EXPECT_EQ(error_code_of([&] { store.verify(fake, std::vector<Certificate>{intermediate, leaf}); }), Errc::crypto);

  // Revocation of the intermediate, checked with RevocationCheck::all.
  const Crl root_crl = CrlBuilder().revoke(intermediate, Clock::now() - hours(1)).sign(root, root_key);
  const Crl int_crl = CrlBuilder().sign(intermediate, int_key);
  ChainOptions opts;
  opts.revocation = RevocationCheck::all;
  opts.crls = {root_crl, int_crl};
  EXPECT_EQ(error_code_of([&] { store.verify(leaf, std::vector<Certificate>{intermediate}, opts); }), Errc::crypto);
  opts.revocation = RevocationCheck::leaf;
  EXPECT_EQ(store.verify(leaf, std::vector<Certificate>{intermediate}, opts).size(), 3u);
}

TEST(X509, BuilderRefusesBadInput) {
  const auto key = EcPrivateKey::generate(Curve::p256);
  EXPECT_EQ(error_code_of([&] { CertificateBuilder().self_sign(key); }), Errc::invalid_argument);  // empty subject
  EXPECT_EQ(error_code_of([&] { CertificateBuilder().dns_name("a.example,IP:10.0.0.1"); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { CertificateBuilder().common_name("x").ip_address("300.1.1.1").self_sign(key); }),
            Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { CertificateBuilder().serial(Bytes{0, 0}); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { CertificateBuilder().country("DEU"); }), Errc::invalid_argument);
  const auto t = Clock::now();
  EXPECT_EQ(error_code_of([&] { CertificateBuilder().validity(t, t); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { CertificateBuilder().common_name("x").sign(CertificateBuilder().common_name("y").self_sign(key), key); }),
            Errc::invalid_argument);  // no subject public key

  const auto cert = CertificateBuilder().common_name("x").serial(Bytes{0x01, 0x02}).ip_address("::1").self_sign(key);
  EXPECT_EQ(cert.serial(), (Bytes{0x01, 0x02}));
  ASSERT_EQ(cert.ip_addresses().size(), 1u);
  EXPECT_EQ(cert.ip_addresses()[0].size(), 16u);
}

TEST(X509, PrivateAndPublicKeyPem) {
  const auto ec = EcPrivateKey::generate(Curve::p384);
  const SecureBytes pem = private_key_to_pem(ec);
  const std::string text(pem.view().begin(), pem.view().end());
  EXPECT_EQ(text.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);  // PKCS#8, not "EC PRIVATE KEY"
  const PrivateKey back = private_key_from_pem(pem);
  ASSERT_TRUE(std::holds_alternative<EcPrivateKey>(back));
  EXPECT_EQ(std::get<EcPrivateKey>(back).public_key(), ec.public_key());
  EXPECT_EQ(private_key_to_pkcs8_der(back), ec.to_pkcs8_der());

  const auto rsa = RsaPrivateKey::generate(2048);
  const PrivateKey rsa_back = private_key_from_pem(private_key_to_pem(rsa));
  ASSERT_TRUE(std::holds_alternative<RsaPrivateKey>(rsa_back));
  EXPECT_EQ(std::get<RsaPrivateKey>(rsa_back).public_key(), rsa.public_key());

  const PublicKey pub = public_key_from_pem(public_key_to_pem(PublicKey(ec.public_key())));
  EXPECT_EQ(std::get<EcPublicKey>(pub), ec.public_key());
  EXPECT_EQ(error_code_of([&] { private_key_from_pem(SecureBytes(as_bytes("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))); }),
            Errc::parse);
  EXPECT_EQ(error_code_of([&] { private_key_from_pem(SecureBytes(as_bytes("nothing"))); }), Errc::parse);
}

}  // namespace sesame::crypto
