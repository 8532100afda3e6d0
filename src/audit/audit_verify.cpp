#include "audit/audit_verify.h"

#include <algorithm>
#include <string_view>

#include "util/error.h"
#include "util/hex.h"

namespace sesame::audit {
namespace {

VerifyReport bad(VerifyReport r, std::uint64_t seq, std::string reason) {
  r.ok = false;
  r.bad_seq = seq;
  r.reason = std::move(reason);
  return r;
}

std::string short_id(const Bytes& id) {
  return to_hex(ByteView(id).subspan(0, std::min<std::size_t>(id.size(), 8)));
}

}  // namespace

VerifyReport verify_records(const std::map<std::string, Bytes>& records, const crypto::EcPublicKey& key,
                            const std::optional<Anchor>& anchor) {
  VerifyReport r;
  r.head.hash = Bytes(kHashSize, 0);
  const Bytes expected_key_id = key_id_of(key);
  std::optional<Bytes> anchored_hash;
  std::uint64_t expected = 1;
  for (const auto& [record_key, value] : records) {
    const std::string seq_text = std::to_string(expected);
    const std::optional<std::uint64_t> stored_seq = seq_of_key(record_key);
    if (!stored_seq) return bad(r, expected, "a record that is not an audit entry is in the log (inserted)");
    if (*stored_seq != expected)
      return bad(r, expected,
                 "entry " + seq_text + " is missing (removed); the next stored entry is " +
                     std::to_string(*stored_seq));
    Entry e;
    try {
      e = decode_entry(value);
    } catch (const Error& err) {
      return bad(r, expected, "entry " + seq_text + " is malformed (altered): " + err.what());
    }
    if (e.seq != expected)
      return bad(r, expected,
                 "the place of entry " + seq_text + " holds entry " + std::to_string(e.seq) +
                     " (moved or reordered)");
    if (e.key_id != expected_key_id)
      return bad(r, expected,
                 "entry " + seq_text + " is signed by another key (key id " + short_id(e.key_id) +
                     "..., expected " + short_id(expected_key_id) + "...)");
    if (!signature_valid(e, key))
      return bad(r, expected, "entry " + seq_text + " has an invalid signature (altered)");
    if (e.prev_hash != r.head.hash)
      return bad(r, expected,
                 "entry " + seq_text + " does not chain to entry " + std::to_string(expected - 1) +
                     " (an entry was altered, removed or reordered)");
    r.head = Anchor{e.seq, entry_hash(e)};
    r.entries = e.seq;
    if (anchor && anchor->seq == e.seq) anchored_hash = r.head.hash;
    ++expected;
  }
  if (anchor) {
    if (anchor->seq > r.entries)
      return bad(r, r.entries + 1,
                 "the log ends at entry " + std::to_string(r.entries) + " but the anchor says entry " +
                     std::to_string(anchor->seq) + " exists (truncated)");
    if (!anchored_hash || *anchored_hash != anchor->hash)
      return bad(r, anchor->seq,
                 "entry " + std::to_string(anchor->seq) +
                     " differs from the anchor (history rewritten with the audit key)");
  }
  return r;
}

VerifyReport verify_log(store::Store& store, const crypto::EcPublicKey& key,
                        const std::optional<Anchor>& anchor, const std::string& log_id) {
  std::map<std::string, Bytes> records;
  try {
    records = read_log_records(store, log_id);
  } catch (const Error& e) {
    if (e.code() != Errc::integrity) throw;
    VerifyReport r;
    r.ok = false;
    // The store names the record it refused ('e/<seq>'); report that entry when it is one of ours.
    const std::string what = e.what();
    if (const auto at = what.find("'e/"); at != std::string::npos && at + 23 <= what.size())
      r.bad_seq = seq_of_key(std::string_view(what).substr(at + 1, 22)).value_or(0);
    r.reason =
        std::string("the store refused the log (a sealed record was altered, removed or rolled back): ") +
        e.what();
    return r;
  }
  return verify_records(records, key, anchor);
}

}  // namespace sesame::audit
