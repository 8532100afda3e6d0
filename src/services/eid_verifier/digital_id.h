// The checks the back end runs on what it read under Chip Authentication, and the DigitalID it
// then issues (docs/EID.md, "DigitalID"): a compact JWS (ES256/ES384, x5c) whose payload carries
// the identity attributes and the transaction ID ("txn"), so a relying party can tie it to the
// transaction it started and check it offline against the verifier's certificate.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "crypto/crl.h"
#include "crypto/ec_key.h"
#include "crypto/trust_store.h"
#include "crypto/x509.h"
#include "host/eid/eid_issuance.h"
#include "host/eid/mrz.h"
#include "services/eid_verifier/verification_session.h"

namespace sesame::services::eid {

struct VerifiedIdentity {
  host::eid::Td1 mrz;
  host::eid::Dg13 dg13;
  std::string document_signer;  // its subject
  bool crl_checked = false;
};

// Passive authentication of EF.SOD (signature, Document Signer -> CSCA, CRLs when given), DG1,
// DG13 and DG14 against it, the MRZ check digits, the expiry date (at `now`) and the revocation
// table. Error(Errc::crypto / parse / state) whose text names the failed check.
VerifiedIdentity verify_readout(const EidReadout& readout, const crypto::TrustStore& cscas,
                                const std::vector<crypto::Crl>& crls,
                                const std::function<bool(const std::string&)>& is_revoked,
                                std::chrono::system_clock::time_point now);

struct DigitalIdSigner {
  const crypto::EcPrivateKey& key;
  const std::vector<crypto::Certificate>& chain;
  std::string issuer;
};

// header {"alg","typ":"digital-id+jwt","x5c"}; payload {"iss","iat","exp","txn","document":{...},
// "family_name","given_name","full_name","birthdate","nationality","sex","address","checks":{...}}.
std::string issue_digital_id(const VerifiedIdentity& id, const std::string& transaction_id,
                             const DigitalIdSigner& signer, std::chrono::system_clock::time_point now,
                             std::chrono::seconds lifetime);

// The MRZ's YYMMDD as YYYY-MM-DD; a birth year above `now`'s two digits is in the 1900s, an expiry
// is always 20YY.
std::string mrz_date(const std::string& yymmdd, bool birth, std::chrono::system_clock::time_point now);

}  // namespace sesame::services::eid
