#include "audit/audit_log.h"

#include <chrono>
#include <cstdint>
#include <cstdio>

#include "util/error.h"
#include "util/hex.h"

namespace sesame::audit {

std::string format_anchor(const Anchor& a) {
  return std::to_string(a.seq) + ":" + to_hex(a.hash);
}

Anchor parse_anchor(std::string_view text) {
  const auto colon = text.find(':');
  Anchor a;
  bool ok = colon != std::string_view::npos && colon > 0 && colon <= 20;
  if (ok) {
    for (char c : text.substr(0, colon)) {
      if (c < '0' || c > '9') ok = false;
    }
  }
  if (ok) {
    a.seq = std::stoull(std::string(text.substr(0, colon)));
    try {
      a.hash = from_hex(text.substr(colon + 1));
    } catch (const Error&) {
      ok = false;
    }
  }
  if (!ok || a.seq == 0 || a.hash.size() != kHashSize)
    fail(Errc::invalid_argument, "audit: an anchor is SEQ:HASH, e.g. 12:<64 hex digits>");
  return a;
}

std::string entry_key(std::uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "e/%020llu", static_cast<unsigned long long>(seq));
  return buf;
}

std::optional<std::uint64_t> seq_of_key(std::string_view key) {
  if (key.size() != 22 || key.substr(0, 2) != "e/") return std::nullopt;
  std::uint64_t v = 0;
  for (char c : key.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

namespace {

std::unique_ptr<store::CardStore> open_or_create(store::Store& store, const std::string& log_id) {
  if (!store.card_exists(log_id)) {
    try {
      store.create_card(log_id);
    } catch (const Error& e) {
      if (e.code() != Errc::state) throw;  // created meanwhile by another opener
    }
  }
  return store.open_card(log_id);
}

}  // namespace

AuditLog::AuditLog(store::Store& store, crypto::EcPrivateKey key, std::string log_id)
    : card_(open_or_create(store, log_id)), key_(std::move(key)), log_id_(std::move(log_id)) {
  if (key_.curve() != crypto::Curve::p256) fail(Errc::invalid_argument, "audit: the audit key must be P-256");
  head_.hash = Bytes(kHashSize, 0);
  const std::map<std::string, SecureBytes> records = card_->load();
  if (records.empty()) return;
  const auto& [last_key, last_value] = *records.rbegin();
  const std::optional<std::uint64_t> seq = seq_of_key(last_key);
  Entry last;
  try {
    last = decode_entry(last_value.view());
  } catch (const Error& e) {
    fail(Errc::integrity, "audit: the last entry of log '" + log_id_ + "' is unreadable: " + e.what());
  }
  if (!seq || last.seq != *seq)
    fail(Errc::integrity,
         "audit: the last record of log '" + log_id_ + "' does not hold the entry its key names");
  head_ = Anchor{last.seq, entry_hash(last)};
}

AuditLog::~AuditLog() = default;

Entry AuditLog::append(const Record& record) {
  check_record(record);
  std::lock_guard lock(mu_);
  Entry e;
  e.seq = head_.seq + 1;
  e.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  e.record = record;
  e.prev_hash = head_.hash;
  e = sign_entry(std::move(e), key_);
  const Bytes encoded = encode_entry(e);
  std::vector<store::Change> changes;
  changes.push_back({entry_key(e.seq), SecureBytes(ByteView(encoded))});
  card_->commit(changes);  // durable before we return; throws io and leaves the head as it was
  head_ = Anchor{e.seq, entry_hash(e)};
  return e;
}

Anchor AuditLog::head() const {
  std::lock_guard lock(mu_);
  return head_;
}

std::map<std::string, Bytes> read_log_records(store::Store& store, const std::string& log_id) {
  if (!store.card_exists(log_id)) fail(Errc::not_found, "audit: no audit log '" + log_id + "' in this store");
  const std::map<std::string, SecureBytes> records = store.open_card(log_id)->load();
  std::map<std::string, Bytes> out;
  for (const auto& [k, v] : records) out.emplace(k, v.reveal());
  return out;
}

}  // namespace sesame::audit
