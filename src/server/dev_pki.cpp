#include "server/dev_pki.h"

#include <chrono>

#include "crypto/any_key.h"
#include "crypto/certificate_builder.h"
#include "crypto/ec_key.h"
#include "crypto/x509.h"
#include "server/file_io.h"

namespace sesame::server {
namespace {

using std::chrono::hours;

struct Issued {
  crypto::Certificate cert;
  crypto::PrivateKey key;
};

bool both_exist(const std::filesystem::path& a, const std::filesystem::path& b) {
  return std::filesystem::exists(a) && std::filesystem::exists(b);
}

Issued load(const std::filesystem::path& cert, const std::filesystem::path& key) {
  return {crypto::Certificate::from_pem(read_text_file(cert)),
          crypto::private_key_from_pem(read_secret_file(key))};
}

void save(const Issued& issued, const std::filesystem::path& cert, const std::filesystem::path& key) {
  // Key first: a certificate on disk always has its key next to it.
  const SecureBytes key_pem = crypto::private_key_to_pem(issued.key);
  write_file_atomic(key, key_pem.view(), 0600);
  const std::string pem = issued.cert.pem();
  write_file_atomic(cert, as_bytes(pem), 0644);
}

Issued make_ca() {
  crypto::PrivateKey key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  const auto now = std::chrono::system_clock::now();
  crypto::Certificate cert = crypto::CertificateBuilder()
                                 .organization("sesame")
                                 .common_name("sesame development CA")
                                 .validity(now - hours(1), now + hours(24 * 3650))
                                 .ca(0)
                                 .self_sign(key);
  return {std::move(cert), std::move(key)};
}

Issued make_leaf(const Issued& ca, bool server) {
  crypto::PrivateKey key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  const auto now = std::chrono::system_clock::now();
  crypto::CertificateBuilder b;
  b.organization("sesame")
      .validity(now - hours(1), now + hours(24 * 825))
      .key_usage(crypto::KeyUsage::digital_signature)
      .public_key(crypto::public_key_of(key));
  if (server) {
    b.common_name("localhost")
        .extended_key_usage(crypto::ExtendedKeyUsage::server_auth)
        .dns_name("localhost")
        .ip_address("127.0.0.1")
        .ip_address("::1");
  } else {
    b.common_name("admin").extended_key_usage(crypto::ExtendedKeyUsage::client_auth);
  }
  crypto::Certificate cert = b.sign(ca.cert, ca.key);
  return {std::move(cert), std::move(key)};
}

}  // namespace

DevPki ensure_dev_pki(const std::filesystem::path& dir) {
  DevPki pki;
  pki.ca_cert = dir / "ca.pem";
  pki.ca_key = dir / "ca.key";
  pki.server_cert = dir / "server.pem";
  pki.server_key = dir / "server.key";
  pki.admin_cert = dir / "admin.pem";
  pki.admin_key = dir / "admin.key";
  ensure_private_dir(dir);

  bool new_ca = false;
  std::optional<Issued> ca;
  if (both_exist(pki.ca_cert, pki.ca_key)) {
    ca = load(pki.ca_cert, pki.ca_key);
  } else {
    ca = make_ca();
    save(*ca, pki.ca_cert, pki.ca_key);
    new_ca = pki.created = true;
  }
  if (new_ca || !both_exist(pki.server_cert, pki.server_key)) {
    save(make_leaf(*ca, true), pki.server_cert, pki.server_key);
    pki.created = true;
  }
  if (new_ca || !both_exist(pki.admin_cert, pki.admin_key)) {
    save(make_leaf(*ca, false), pki.admin_cert, pki.admin_key);
    pki.created = true;
  }
  return pki;
}

}  // namespace sesame::server
