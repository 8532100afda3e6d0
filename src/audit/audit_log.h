// The audit log kept in the sealed store (store.h) under a reserved id that no card can have
// (SEIDs never start with '~'): one record per entry, "e/<seq, 20 digits>", so the store's
// manifest (D3) also notices a record removed or rolled back by someone without the master key,
// and the entries' own hash chain and signatures (audit_entry.h) notice it for someone with it.
//
// append() commits the entry durably (one store commit, synchronous=FULL / a PostgreSQL
// transaction) before it returns: the caller acts on a decision only after append returned, so
// no decision is ever acted on without its entry on disk (the D2 put_now rule for audit).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "audit/audit_entry.h"
#include "crypto/ec_key.h"
#include "store/store.h"

namespace sesame::audit {

inline const std::string kDefaultLogId = "~audit";

// A (sequence number, entry hash) pair kept outside the server (printed by `sesame audit show`):
// the only way to detect a truncated tail or a rewritten history by someone holding the audit key.
struct Anchor {
  std::uint64_t seq = 0;
  Bytes hash;
};
std::string format_anchor(const Anchor& a);  // "SEQ:HEX"
Anchor parse_anchor(std::string_view text);  // Error(Errc::invalid_argument) if malformed

std::string entry_key(std::uint64_t seq);
// The seq of an "e/<20 digits>" key, or nullopt for any other key.
std::optional<std::uint64_t> seq_of_key(std::string_view key);

class AuditLog {
 public:
  // Opens the log, creating it when absent, and reads its head (last seq and hash; the chain is
  // not re-verified: `sesame audit verify` does that). key: the server's audit key, P-256.
  // Error(Errc::integrity) if the last entry cannot be read; store errors pass through (on a shared
  // PostgreSQL store, CardLeased while another node holds this log: give each node its own log_id).
  AuditLog(store::Store& store, crypto::EcPrivateKey key, std::string log_id = kDefaultLogId);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Signs, chains and durably commits one entry; returns it. Error(Errc::invalid_argument) for a bad
  // record, Error(Errc::io) if the commit failed (nothing appended: the caller must not act on the
  // decision). Thread-safe: appends are serialised.
  Entry append(const Record& record);
  Anchor head() const;
  const std::string& log_id() const noexcept { return log_id_; }

 private:
  mutable std::mutex mu_;
  std::unique_ptr<store::CardStore> card_;
  crypto::EcPrivateKey key_;
  std::string log_id_;
  Anchor head_;
};

// Every stored record of the log, raw (not yet decoded or verified). Error(Errc::not_found) when
// the log does not exist; the store's Error(Errc::integrity) passes through.
std::map<std::string, Bytes> read_log_records(store::Store& store, const std::string& log_id = kDefaultLogId);

}  // namespace sesame::audit
