// The eID verification back end of the split middleware (docs/EID.md, "The split middleware"):
// transactions keyed by a transaction ID. A front end starts one with a sealed handover
// (host/eid/eid_handover.h) and relays the command APDUs this service produces; when the card has
// answered everything, the service checks what it read — passive authentication against its
// CSCAs (and CRLs), DG1, DG13 and DG14 against the verified EF.SOD (so the DG14 key Chip
// Authentication was run against is the signed one), the MRZ check digits, the expiry date and
// the revocation table — and issues the DigitalID (digital_id.h). Nothing the front end sends is
// trusted before these checks. Thread-safe; transactions expire after `session_ttl`.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/crl.h"
#include "crypto/ec_key.h"
#include "crypto/ecdh_envelope.h"
#include "crypto/x509.h"
#include "services/eid_verifier/verification_session.h"

namespace sesame::services::eid {

struct EidVerifierConfig {
  EidVerifierConfig(crypto::EcPrivateKey handover, crypto::EcPrivateKey signing)
      : handover_key(std::move(handover)), signing_key(std::move(signing)) {}
  crypto::EcPrivateKey handover_key;       // the static key front ends seal handovers to (P-256)
  std::vector<crypto::Certificate> cscas;  // trusted country signing CAs (at least one)
  std::vector<crypto::Crl> crls;           // empty: Document Signer revocation not checked
  // The revocation table: true when the document number (MRZ, without '<' filler) is revoked.
  std::function<bool(const std::string&)> is_revoked = [](const std::string&) { return false; };
  crypto::EcPrivateKey signing_key;                // signs DigitalIDs (P-256: ES256, P-384: ES384)
  std::vector<crypto::Certificate> signing_chain;  // its certificate first (the JWT's x5c)
  std::string issuer = "sesame-eid-verifier";      // the DigitalID's "iss"
  std::chrono::seconds session_ttl{300};           // a transaction, from start to the DigitalID fetch
  std::chrono::seconds digital_id_lifetime{600};
  std::size_t max_sessions = 10000;
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

// A refused request: the HTTP layer maps the kind to a status (docs/EID.md).
class EidRequestError : public std::runtime_error {
 public:
  enum class Kind { bad_request, not_found, conflict, busy };
  EidRequestError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

struct TransactionStatus {
  enum class State { in_progress, verified, failed };
  State state = State::in_progress;
  std::string digital_id;  // the compact JWS (verified)
  std::string failure;     // the reason (failed)
};

class EidVerifier {
 public:
  explicit EidVerifier(EidVerifierConfig config);
  ~EidVerifier();
  EidVerifier(const EidVerifier&) = delete;
  EidVerifier& operator=(const EidVerifier&) = delete;

  const crypto::EcPublicKey& handover_public_key() const;

  // Opens the handover and returns the first command APDU. EidRequestError: bad_request (malformed
  // transaction ID, an envelope that does not open, unusable DG14), conflict (the transaction ID
  // was used before), busy (too many transactions).
  Bytes start(const std::string& transaction_id, const crypto::EcdhEnvelope& handover);
  // The card's answer to the last command: the next command, done (the DigitalID is ready) or
  // failed with the reason (final). EidRequestError: not_found, conflict (already finished).
  SessionStep respond(const std::string& transaction_id, ByteView response_apdu);
  // EidRequestError not_found for an unknown or expired transaction.
  TransactionStatus status(const std::string& transaction_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sesame::services::eid
