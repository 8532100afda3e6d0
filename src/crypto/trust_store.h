// Certificate path validation (RFC 5280 §6) against a fixed set of trust anchors, with optional
// CRL checking, at a chosen time, for an optional purpose. Backed by OpenSSL's X509_STORE.
//
// Build a TrustStore once and share it: it is immutable and verify() may run on many threads.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "crypto/crl.h"
#include "crypto/x509.h"

namespace sesame::crypto {

enum class CertPurpose {
  any,          // no extendedKeyUsage requirement (e.g. an ICAO document signer)
  server_auth,  // TLS server (id-kp-serverAuth)
  client_auth,  // TLS client (id-kp-clientAuth)
};

enum class RevocationCheck {
  none,
  leaf,  // the end-entity certificate must be covered by a valid CRL from its issuer
  all,   // every certificate below the trust anchor must be
};

struct ChainOptions {
  std::optional<TimePoint> at;  // validation time; default: now
  CertPurpose purpose = CertPurpose::any;
  // CRLs to use (ignored when revocation is none). Each must be signed by the issuer of the
  // certificate it covers and be current at the validation time; a missing CRL fails validation.
  std::vector<Crl> crls;
  RevocationCheck revocation = RevocationCheck::none;
};

class TrustStore {
 public:
  // Anchors are trusted as they are (usually self-signed roots: CSCAs, the sesame dev CA).
  explicit TrustStore(std::span<const Certificate> anchors);

  // Builds and validates a path from leaf (through any of intermediates) to an anchor. Returns the
  // path leaf first, anchor last. Error(Errc::crypto) naming the reason and depth if none is valid
  // (bad signature, unknown issuer, expired or not yet valid, revoked, CA constraints, purpose).
  std::vector<Certificate> verify(const Certificate& leaf, std::span<const Certificate> intermediates = {},
                                  const ChainOptions& options = {}) const;

  const std::vector<Certificate>& anchors() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sesame::crypto
