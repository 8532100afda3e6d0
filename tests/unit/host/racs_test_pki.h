// A throwaway PKI for the RACS client tests: a CA, a server certificate for localhost/127.0.0.1,
// a client certificate (CN=admin), and an unrelated second CA; PEM files in a temp dir.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/any_key.h"
#include "crypto/certificate_builder.h"
#include "crypto/ec_key.h"
#include "crypto/random.h"
#include "crypto/tls_context.h"
#include "util/hex.h"

namespace sesame::host::racs::testing {

struct TestPki {
  crypto::PrivateKey ca_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  crypto::PrivateKey server_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  crypto::PrivateKey client_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  crypto::PrivateKey other_ca_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  crypto::Certificate ca = crypto::CertificateBuilder().common_name("test RACS CA").ca().self_sign(ca_key);
  crypto::Certificate other_ca =
      crypto::CertificateBuilder().common_name("another CA").ca().self_sign(other_ca_key);
  crypto::Certificate server = crypto::CertificateBuilder()
                                   .common_name("localhost")
                                   .dns_name("localhost")
                                   .ip_address("127.0.0.1")
                                   .extended_key_usage(crypto::ExtendedKeyUsage::server_auth)
                                   .public_key(crypto::public_key_of(server_key))
                                   .sign(ca, ca_key);
  crypto::Certificate client = crypto::CertificateBuilder()
                                   .common_name("admin")
                                   .extended_key_usage(crypto::ExtendedKeyUsage::client_auth)
                                   .public_key(crypto::public_key_of(client_key))
                                   .sign(ca, ca_key);
  std::filesystem::path dir, ca_pem, client_pem, client_key_pem, other_ca_pem;

  TestPki() {
    dir = std::filesystem::temp_directory_path() / ("sesame-racs-pki-" + to_hex(crypto::random_bytes(6)));
    std::filesystem::create_directories(dir);
    ca_pem = write("ca.pem", ca.pem());
    other_ca_pem = write("other-ca.pem", other_ca.pem());
    client_pem = write("client.pem", client.pem());
    const Bytes key = crypto::private_key_to_pem(client_key).reveal();
    client_key_pem = write("client.key", std::string(key.begin(), key.end()));
  }
  ~TestPki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  crypto::TlsContext server_tls() const {
    crypto::TlsServerConfig c{.identity = {.certificate = server, .chain = {}, .key = server_key},
                              .client_cas = {ca}};
    return crypto::TlsContext::make_server(c);
  }

  RacsCredentials by_ca() const {
    return {.cert = client_pem, .key = client_key_pem, .ca = ca_pem, .pin_sha256 = ""};
  }
  RacsCredentials by_pin(const std::string& pin) const {
    return {.cert = client_pem, .key = client_key_pem, .ca = "", .pin_sha256 = pin};
  }

 private:
  std::filesystem::path write(const char* name, const std::string& text) {
    const auto p = dir / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

}  // namespace sesame::host::racs::testing
