#include "server/dev_pki.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "crypto/any_key.h"
#include "crypto/trust_store.h"
#include "crypto/x509.h"
#include "server/file_io.h"
#include "util/error.h"

namespace sesame::server {
namespace {

class DevPkiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sesame-devpki-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }
  static crypto::Certificate cert(const std::filesystem::path& p) {
    return crypto::Certificate::from_pem(read_text_file(p));
  }

  std::filesystem::path dir_;
};

TEST_F(DevPkiTest, FirstStartIssuesAChainThatVerifies) {
  const DevPki pki = ensure_dev_pki(dir_ / "pki");
  EXPECT_TRUE(pki.created);
  const auto ca = cert(pki.ca_cert), server = cert(pki.server_cert), admin = cert(pki.admin_cert);

  crypto::TrustStore trust(std::span<const crypto::Certificate>(&ca, 1));
  crypto::ChainOptions for_server, for_client;
  for_server.purpose = crypto::CertPurpose::server_auth;
  for_client.purpose = crypto::CertPurpose::client_auth;
  EXPECT_EQ(trust.verify(server, {}, for_server).size(), 2u);
  EXPECT_EQ(trust.verify(admin, {}, for_client).size(), 2u);
  // Each leaf is for its purpose only.
  EXPECT_THROW(trust.verify(admin, {}, for_server), Error);
  EXPECT_THROW(trust.verify(server, {}, for_client), Error);

  EXPECT_EQ(server.subject_cn(), "localhost");
  EXPECT_EQ(server.dns_names(), std::vector<std::string>{"localhost"});
  const auto ips = server.ip_addresses();
  ASSERT_EQ(ips.size(), 2u);
  EXPECT_EQ(ips[0], (Bytes{127, 0, 0, 1}));
  EXPECT_EQ(ips[1], (Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(admin.subject_cn(), "admin");
  ASSERT_TRUE(ca.basic_constraints());
  EXPECT_TRUE(ca.basic_constraints()->ca);

  // Each key belongs to its certificate.
  auto key_matches = [](const std::filesystem::path& key, const crypto::Certificate& c) {
    const auto k = crypto::private_key_from_pem(read_secret_file(key));
    return crypto::public_key_to_spki_der(crypto::public_key_of(k)) ==
           crypto::public_key_to_spki_der(c.public_key());
  };
  EXPECT_TRUE(key_matches(pki.ca_key, ca));
  EXPECT_TRUE(key_matches(pki.server_key, server));
  EXPECT_TRUE(key_matches(pki.admin_key, admin));
}

TEST_F(DevPkiTest, KeysAreOwnerOnly) {
  const DevPki pki = ensure_dev_pki(dir_ / "pki");
  EXPECT_EQ(mode_of(pki.ca_key), 0600u);
  EXPECT_EQ(mode_of(pki.server_key), 0600u);
  EXPECT_EQ(mode_of(pki.admin_key), 0600u);
  EXPECT_EQ(mode_of(pki.ca_cert), 0644u);
  EXPECT_EQ(mode_of(dir_ / "pki"), 0700u);
}

TEST_F(DevPkiTest, LaterStartsReuseTheFiles) {
  const DevPki first = ensure_dev_pki(dir_ / "pki");
  const auto ca_fp = cert(first.ca_cert).fingerprint_sha256();
  const auto server_fp = cert(first.server_cert).fingerprint_sha256();
  const DevPki again = ensure_dev_pki(dir_ / "pki");
  EXPECT_FALSE(again.created);
  EXPECT_EQ(cert(again.ca_cert).fingerprint_sha256(), ca_fp);
  EXPECT_EQ(cert(again.server_cert).fingerprint_sha256(), server_fp);
}

TEST_F(DevPkiTest, AMissingLeafIsReissuedUnderTheSameCa) {
  const DevPki first = ensure_dev_pki(dir_ / "pki");
  const auto ca = cert(first.ca_cert);
  const auto old_admin = cert(first.admin_cert).fingerprint_sha256();
  std::filesystem::remove(first.admin_key);
  const DevPki again = ensure_dev_pki(dir_ / "pki");
  EXPECT_TRUE(again.created);
  EXPECT_EQ(cert(again.ca_cert), ca);
  const auto admin = cert(again.admin_cert);
  EXPECT_NE(admin.fingerprint_sha256(), old_admin);
  EXPECT_NO_THROW(admin.verify_signature(ca));
}

}  // namespace
}  // namespace sesame::server
