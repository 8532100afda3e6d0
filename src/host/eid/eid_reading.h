// Reading and verifying an eID card end to end, as `sesame eid read` does: PACE, Chip
// Authentication, DG1/DG2/DG13/DG14/EF.SOD, then every check a verifier makes, each reported on
// its own (PACE, CA, EF.SOD signature, Document Signer chain to a CSCA, CRL, each data group's hash,
// the MRZ check digits) so that a failure names exactly what failed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crl.h"
#include "crypto/x509.h"
#include "host/eid/eid_terminal.h"
#include "host/reader.h"
#include "util/bytes.h"

namespace sesame::host::eid {

struct EidCheck {
  std::string name;    // "PACE", "Chip Authentication", "EF.SOD signature", "DG1 hash", ...
  bool ok = false;
  std::string detail;  // why it failed, or what was checked (never a secret)
};

struct EidReadOptions {
  std::vector<crypto::Certificate> cscas;
  std::vector<crypto::Crl> crls;  // when not empty, the Document Signer must be covered and not revoked
  std::optional<crypto::TimePoint> at;  // validation time (default now)
};

struct EidReadResult {
  std::vector<EidCheck> checks;
  std::map<int, Bytes> data_groups;  // as read: 1, 2 (if present), 13, 14
  Bytes ef_sod;
  std::string mrz;  // from DG1, when it could be read
  bool ok() const;
};

// `passwords` are tried in order on one session: e.g. {CAN, PIN} resumes a suspended PIN. Stops
// after the first failing step that makes the rest impossible (PACE, CA, reading); the passive
// authentication checks all run. Never throws for a card's refusal or a failed check; Error(io)
// from the reader passes through.
EidReadResult read_and_verify(Reader& reader, const std::vector<PacePassword>& passwords,
                              const EidReadOptions& options);

// Text for a PACE refusal: "wrong PIN: 2 tries left", "the PIN is blocked (unblock it with the
// PUK)", "wrong CAN"...
std::string pace_refusal_text(PasswordRef ref, std::uint16_t sw);

}  // namespace sesame::host::eid
