// TlsContext: what it accepts and refuses when built. Handshakes (versions, suites, client
// certificates, refusals) are exercised over real sockets by tests/integration/racs_test.py.
#include "crypto/tls_context.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "crypto/certificate_builder.h"
#include "crypto/ec_key.h"
#include "../common/expect_errc.h"

namespace sesame::crypto {
namespace {

using sesame::test::expect_errc;

struct Pki {
  PrivateKey ca_key = EcPrivateKey::generate(Curve::p256);
  Certificate ca = CertificateBuilder().common_name("test CA").ca(0).self_sign(ca_key);
  PrivateKey leaf_key = EcPrivateKey::generate(Curve::p256);
  Certificate leaf = CertificateBuilder()
                         .common_name("localhost")
                         .extended_key_usage(ExtendedKeyUsage::server_auth)
                         .public_key(public_key_of(leaf_key))
                         .sign(ca, ca_key);
};

TEST(TlsContext, ServerNeedsAClientCaAndAMatchingKey) {
  Pki p;
  const TlsContext ok = TlsContext::make_server({{p.leaf, {}, p.leaf_key}, {p.ca}, 4});
  EXPECT_TRUE(ok.is_server());
  EXPECT_NE(ok.native_handle(), nullptr);
  expect_errc(Errc::invalid_argument, [&] { TlsContext::make_server({{p.leaf, {}, p.leaf_key}, {}, 4}); });
  expect_errc(Errc::invalid_argument, [&] { TlsContext::make_server({{p.leaf, {}, p.ca_key}, {p.ca}, 4}); });
  expect_errc(Errc::invalid_argument, [&] { TlsContext::make_server({{p.leaf, {}, p.leaf_key}, {p.ca}, 17}); });
}

TEST(TlsContext, ClientNeedsACaOrAPin) {
  Pki p;
  EXPECT_FALSE(TlsContext::make_client({std::nullopt, {p.ca}, std::nullopt, 4}).is_server());
  EXPECT_FALSE(TlsContext::make_client({std::nullopt, {}, p.leaf.fingerprint_sha256(), 4}).is_server());
  const TlsContext with_identity =
      TlsContext::make_client({TlsIdentity{p.leaf, {}, p.leaf_key}, {p.ca}, p.leaf.fingerprint_sha256(), 4});
  EXPECT_NE(with_identity.native_handle(), nullptr);
  expect_errc(Errc::invalid_argument, [&] { TlsContext::make_client({std::nullopt, {}, std::nullopt, 4}); });
  expect_errc(Errc::invalid_argument, [&] { TlsContext::make_client({std::nullopt, {}, Bytes(31, 0), 4}); });
}

TEST(TlsContext, IdentityFromPemFiles) {
  Pki p;
  const auto dir = std::filesystem::temp_directory_path() / ("tls-ctx-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "chain.pem") << p.leaf.pem() << p.ca.pem();
  const SecureBytes key = private_key_to_pem(p.leaf_key);
  std::ofstream(dir / "key.pem").write(reinterpret_cast<const char*>(key.data()), static_cast<std::streamsize>(key.size()));
  const SecureBytes other = private_key_to_pem(p.ca_key);
  std::ofstream(dir / "other.pem").write(reinterpret_cast<const char*>(other.data()), static_cast<std::streamsize>(other.size()));
  const TlsIdentity id = TlsIdentity::from_pem_files(dir / "chain.pem", dir / "key.pem");
  EXPECT_EQ(id.certificate, p.leaf);
  ASSERT_EQ(id.chain.size(), 1u);
  EXPECT_EQ(id.chain[0], p.ca);
  EXPECT_EQ(load_certificate_bundle(dir / "chain.pem").size(), 2u);
  expect_errc(Errc::crypto, [&] { TlsIdentity::from_pem_files(dir / "chain.pem", dir / "other.pem"); });
  expect_errc(Errc::io, [&] { TlsIdentity::from_pem_files(dir / "missing.pem", dir / "key.pem"); });
  std::filesystem::remove_all(dir);
}

TEST(TlsContext, ANewReferenceOutlivesTheContext) {
  Pki p;
  void* ref = nullptr;
  {
    const TlsContext c = TlsContext::make_client({std::nullopt, {p.ca}, p.leaf.fingerprint_sha256(), 4});
    ref = c.new_reference();
    EXPECT_EQ(ref, c.native_handle());
  }
  // Still usable: a second client context made afterwards is a different object.
  const TlsContext d = TlsContext::make_client({std::nullopt, {p.ca}, std::nullopt, 4});
  EXPECT_NE(ref, d.native_handle());
  tls_release_reference(ref);
}

}  // namespace
}  // namespace sesame::crypto
