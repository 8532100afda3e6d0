#include "store/memory_backend.h"

#include "util/error.h"

namespace sesame::store {
namespace {

void apply(std::map<std::string, SealedRecord>& rows, const RowWrite& w) {
  if (w.record)
    rows[w.key] = *w.record;
  else
    rows.erase(w.key);
}

}  // namespace

std::vector<std::string> MemoryBackend::list_cards() {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, card] : cards_) out.push_back(id);
  return out;
}

std::optional<Bytes> MemoryBackend::wrapped_card_key(const std::string& card_id) {
  std::lock_guard lock(mu_);
  auto it = cards_.find(card_id);
  if (it == cards_.end()) return std::nullopt;
  return it->second.wrapped_key;
}

void MemoryBackend::create_card(const std::string& card_id, ByteView wrapped_key, const std::vector<RowWrite>& rows) {
  std::lock_guard lock(mu_);
  if (cards_.count(card_id)) fail(Errc::state, "store: card '" + card_id + "' already exists");
  Card card;
  card.wrapped_key.assign(wrapped_key.begin(), wrapped_key.end());
  for (const auto& w : rows) apply(card.rows, w);
  cards_.emplace(card_id, std::move(card));
}

bool MemoryBackend::delete_card(const std::string& card_id) {
  std::lock_guard lock(mu_);
  return cards_.erase(card_id) > 0;
}

std::map<std::string, SealedRecord> MemoryBackend::load_records(const std::string& card_id) {
  std::lock_guard lock(mu_);
  auto it = cards_.find(card_id);
  if (it == cards_.end()) return {};
  return it->second.rows;
}

std::optional<SealedRecord> MemoryBackend::load_record(const std::string& card_id, const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = cards_.find(card_id);
  if (it == cards_.end()) return std::nullopt;
  auto r = it->second.rows.find(key);
  if (r == it->second.rows.end()) return std::nullopt;
  return r->second;
}

void MemoryBackend::commit(const CardWrite& write) {
  const bool doomed = faults_ && faults_->next_commit_fails();
  std::lock_guard lock(mu_);
  auto it = cards_.find(write.card_id);
  if (it == cards_.end()) fail(Errc::not_found, "store: no card '" + write.card_id + "'");
  if (write.expected_manifest_version) {
    auto m = it->second.rows.find(write.manifest_key);
    if (m == it->second.rows.end() || m->second.version != *write.expected_manifest_version)
      fail(Errc::state, "store: card '" + write.card_id + "' was modified concurrently");
  }
  // Work on a copy and swap it in: a failure part-way leaves the card as it was.
  std::map<std::string, SealedRecord> staged = it->second.rows;
  for (std::size_t i = 0; i < write.rows.size(); ++i) {
    if (doomed && i == write.rows.size() / 2) fail(Errc::io, "store: injected commit failure");
    apply(staged, write.rows[i]);
  }
  it->second.rows.swap(staged);
}

}  // namespace sesame::store
