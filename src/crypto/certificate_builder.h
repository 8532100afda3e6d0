// Issues X.509 v3 certificates: self-signed CAs and certificates signed by an issuer, with the
// extensions a small PKI needs (basicConstraints, keyUsage, extendedKeyUsage, subjectAltName,
// subjectKeyIdentifier, authorityKeyIdentifier). Signatures: ECDSA, or RSA PKCS#1 v1.5.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/any_key.h"
#include "crypto/signature_hash.h"
#include "crypto/x509.h"
#include "util/bytes.h"

namespace sesame::crypto {

class CertificateBuilder {
 public:
  // Subject attributes, written C, O, OU, CN (most specific last in the DER).
  CertificateBuilder& common_name(std::string cn);
  CertificateBuilder& organization(std::string o);
  CertificateBuilder& organizational_unit(std::string ou);
  CertificateBuilder& country(std::string c);  // two letters (ISO 3166)

  // Big-endian magnitude, 1..20 bytes, not zero. Default: 16 random bytes (positive).
  CertificateBuilder& serial(ByteView serial);
  // Default: now - 1 minute until now + 365 days.
  CertificateBuilder& validity(TimePoint not_before, TimePoint not_after);

  // basicConstraints (critical). A CA gets keyCertSign|cRLSign unless key_usage() says otherwise.
  CertificateBuilder& ca(std::optional<int> path_len = std::nullopt);
  CertificateBuilder& key_usage(KeyUsage ku);  // critical
  CertificateBuilder& extended_key_usage(ExtendedKeyUsage eku);
  CertificateBuilder& dns_name(std::string name);  // subjectAltName; letters, digits, '-', '.', '*'
  CertificateBuilder& ip_address(std::string ip);  // subjectAltName; dotted IPv4 or IPv6 text
  // A private extension: `oid` in dotted form, `value` its DER (the extnValue's content), as
  // profiles outside RFC 5280 define them (e.g. ICAO 9303-12's Document Type List).
  CertificateBuilder& extension(std::string oid, Bytes value, bool critical = false);

  // The subject's key (required for sign(); self_sign() uses the signing key's public half).
  CertificateBuilder& public_key(PublicKey key);

  // issuer = subject, signed by key. Error(Errc::invalid_argument) for a bad builder state.
  Certificate self_sign(const PrivateKey& key, SignatureHash hash = SignatureHash::sha256) const;
  // Signed by the issuer's key, which must belong to the issuer certificate
  // (Error(Errc::invalid_argument) otherwise).
  Certificate sign(const Certificate& issuer, const PrivateKey& issuer_key,
                   SignatureHash hash = SignatureHash::sha256) const;

 private:
  Certificate build(const Certificate* issuer, const PrivateKey& key, SignatureHash hash) const;

  std::string cn_, o_, ou_, c_;
  Bytes serial_;
  std::optional<TimePoint> not_before_, not_after_;
  bool ca_ = false;
  std::optional<int> path_len_;
  std::optional<KeyUsage> key_usage_;
  ExtendedKeyUsage eku_ = ExtendedKeyUsage::none;
  std::vector<std::string> dns_names_;
  std::vector<std::string> ips_;
  struct RawExtension {
    std::string oid;
    Bytes value;
    bool critical;
  };
  std::vector<RawExtension> extensions_;
  std::optional<PublicKey> public_key_;
};

}  // namespace sesame::crypto
