// Verifies an audit log against the audit public key: every entry present (1..N, no gaps), in its
// place, signed by that key, unaltered and chained to the one before; optionally that the log
// still holds an anchor (seq:hash) taken earlier. Reports the first bad entry and why.
//
// What it can and cannot tell (docs/SIGNING.md):
//  - an entry altered, removed from the middle, inserted or moved: always (signature, seq, chain);
//  - the newest entries removed (a truncated tail): only against an anchor taken before the
//    truncation and kept elsewhere; without one a truncated log is a valid shorter log. The
//    store's manifest (D3) catches a truncation by someone without the master key, but not one
//    by someone holding both the master key and the audit key;
//  - a history rewritten by someone holding the audit key: only against an anchor.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "audit/audit_log.h"
#include "crypto/ec_key.h"
#include "store/store.h"

namespace sesame::audit {

struct VerifyReport {
  bool ok = true;
  std::uint64_t entries = 0;  // entries checked and found good
  std::uint64_t bad_seq = 0;  // the first bad entry (0 when ok, or when the store refused the log
                              // without naming an entry record)
  std::string reason;         // why, for a person
  Anchor head;                // the last good entry (seq 0 for an empty log)
};

// The raw records of a log (read_log_records) checked with `key`.
VerifyReport verify_records(const std::map<std::string, Bytes>& records, const crypto::EcPublicKey& key,
                            const std::optional<Anchor>& anchor = std::nullopt);

// Reads the log from the store and verifies it. A store integrity failure (a sealed record
// altered, removed or rolled back without the master key) is a failed report, not an exception;
// a missing log throws Error(Errc::not_found).
VerifyReport verify_log(store::Store& store, const crypto::EcPublicKey& key,
                        const std::optional<Anchor>& anchor = std::nullopt,
                        const std::string& log_id = kDefaultLogId);

}  // namespace sesame::audit
