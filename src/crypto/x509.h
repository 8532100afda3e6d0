// X.509 v3 certificates (RFC 5280): parsing, the fields sesame reads, and signature verification
// against an issuer. Chain validation is TrustStore (trust_store.h); issuing is
// CertificateBuilder (certificate_builder.h); CRLs are Crl (crl.h).
//
// A Certificate is decoded and checked once (DER must be exactly one certificate, extensions must
// be well formed), then immutable, cheap to copy and safe to share between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/any_key.h"
#include "util/bytes.h"

namespace sesame::crypto {

namespace internal {
struct X509Access;
}

using TimePoint = std::chrono::system_clock::time_point;

// RFC 5280 §4.2.1.3 KeyUsage bits, as a set.
enum class KeyUsage : std::uint16_t {
  none = 0,
  digital_signature = 1u << 0,
  non_repudiation = 1u << 1,  // contentCommitment
  key_encipherment = 1u << 2,
  data_encipherment = 1u << 3,
  key_agreement = 1u << 4,
  key_cert_sign = 1u << 5,
  crl_sign = 1u << 6,
  encipher_only = 1u << 7,
  decipher_only = 1u << 8,
};
constexpr KeyUsage operator|(KeyUsage a, KeyUsage b) {
  return static_cast<KeyUsage>(static_cast<std::uint16_t>(a) | static_cast<std::uint16_t>(b));
}
constexpr bool has(KeyUsage set, KeyUsage bit) {
  return (static_cast<std::uint16_t>(set) & static_cast<std::uint16_t>(bit)) == static_cast<std::uint16_t>(bit);
}

// RFC 5280 §4.2.1.12 purposes sesame issues and checks, as a set.
enum class ExtendedKeyUsage : std::uint8_t {
  none = 0,
  server_auth = 1u << 0,
  client_auth = 1u << 1,
};
constexpr ExtendedKeyUsage operator|(ExtendedKeyUsage a, ExtendedKeyUsage b) {
  return static_cast<ExtendedKeyUsage>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
constexpr bool has(ExtendedKeyUsage set, ExtendedKeyUsage bit) {
  return (static_cast<std::uint8_t>(set) & static_cast<std::uint8_t>(bit)) == static_cast<std::uint8_t>(bit);
}

struct BasicConstraints {
  bool ca = false;
  std::optional<int> path_len;  // pathLenConstraint, only meaningful when ca
};

class Certificate {
 public:
  // Error(Errc::parse) for anything but exactly one well-formed DER certificate.
  static Certificate from_der(ByteView der);
  // The single "CERTIFICATE" block of a PEM text (Error(Errc::parse) if none, or more than one).
  static Certificate from_pem(std::string_view pem);
  // Every "CERTIFICATE" block in order (a chain file); at least one.
  static std::vector<Certificate> all_from_pem(std::string_view pem);

  Bytes der() const;
  std::string pem() const;

  // RFC 2253 form, most specific first ("CN=admin,O=sesame,C=DE").
  std::string subject() const;
  std::string issuer() const;
  std::optional<std::string> subject_cn() const;
  std::optional<std::string> issuer_cn() const;
  // The serial number's big-endian magnitude (no sign byte).
  Bytes serial() const;
  TimePoint not_before() const;
  TimePoint not_after() const;

  PublicKey public_key() const;

  std::optional<BasicConstraints> basic_constraints() const;
  std::optional<KeyUsage> key_usage() const;
  std::optional<ExtendedKeyUsage> extended_key_usage() const;  // only the purposes above
  std::optional<Bytes> subject_key_id() const;
  std::optional<Bytes> authority_key_id() const;  // keyIdentifier field
  // The DER value (extnValue's content) of the extension `oid` (dotted form), if present.
  std::optional<Bytes> extension_value(const std::string& oid) const;
  std::vector<std::string> dns_names() const;      // subjectAltName dNSName entries
  std::vector<Bytes> ip_addresses() const;         // subjectAltName iPAddress (4 or 16 bytes)

  // SHA-256 of the DER encoding.
  Bytes fingerprint_sha256() const;
  // Subject and issuer names are equal (a root, or a self-issued key rollover certificate).
  bool is_self_issued() const;

  // Checks this certificate's signature with the issuer's public key, that the issuer's subject
  // names this certificate's issuer, that an authorityKeyIdentifier matches the issuer's key id and
  // that an issuer keyUsage allows keyCertSign. Nothing else (no dates, no basicConstraints, no
  // path: see TrustStore). Error(Errc::crypto) if any does not hold.
  void verify_signature(const Certificate& issuer) const;

  friend bool operator==(const Certificate& a, const Certificate& b);

  struct Impl;

 private:
  explicit Certificate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
  friend struct internal::X509Access;
};

}  // namespace sesame::crypto
