// X.509 v2 certificate revocation lists (RFC 5280 §5): parsing, lookup, and issuing.
// Checking a chain against CRLs is TrustStore's job (trust_store.h); this is the object itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/any_key.h"
#include "crypto/signature_hash.h"
#include "crypto/x509.h"
#include "util/bytes.h"

namespace sesame::crypto {

class Crl {
 public:
  // Error(Errc::parse) for anything but exactly one well-formed DER CRL.
  static Crl from_der(ByteView der);
  // The single "X509 CRL" block of a PEM text.
  static Crl from_pem(std::string_view pem);

  Bytes der() const;
  std::string pem() const;

  std::string issuer() const;  // RFC 2253
  TimePoint this_update() const;
  std::optional<TimePoint> next_update() const;
  std::optional<std::uint64_t> crl_number() const;
  // Big-endian magnitudes of the revoked serial numbers.
  std::vector<Bytes> revoked_serials() const;
  // True if the CRL's issuer is the certificate's issuer and lists its serial. Says nothing about
  // whether this CRL is authentic: check verify_signature first (TrustStore does).
  bool lists(const Certificate& cert) const;

  // Error(Errc::crypto) unless the issuer's key signed this CRL and its subject is the CRL issuer.
  void verify_signature(const Certificate& issuer) const;

  struct Impl;

 private:
  explicit Crl(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
  friend struct internal::X509Access;
};

// Issues a v2 CRL with authorityKeyIdentifier and cRLNumber extensions.
class CrlBuilder {
 public:
  CrlBuilder& this_update(TimePoint t);  // default: now
  CrlBuilder& next_update(TimePoint t);  // default: this_update + 7 days
  CrlBuilder& crl_number(std::uint64_t n);  // default: 1
  CrlBuilder& revoke(const Certificate& cert, TimePoint when);
  CrlBuilder& revoke_serial(ByteView serial, TimePoint when);  // big-endian magnitude

  // The key must be the issuer certificate's (Error(Errc::invalid_argument) otherwise).
  Crl sign(const Certificate& issuer, const PrivateKey& issuer_key,
           SignatureHash hash = SignatureHash::sha256) const;

 private:
  struct Entry {
    Bytes serial;
    TimePoint when;
  };
  std::optional<TimePoint> this_update_;
  std::optional<TimePoint> next_update_;
  std::uint64_t number_ = 1;
  std::vector<Entry> revoked_;
};

}  // namespace sesame::crypto
