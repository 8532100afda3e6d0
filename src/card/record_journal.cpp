#include "card/record_journal.h"

#include <algorithm>

namespace sesame::card {

void RecordJournal::load() {
  auto loaded = store_.load();
  records_ = std::move(loaded);
  pending_.clear();
}

const SecureBytes* RecordJournal::get(const std::string& key) const {
  if (auto p = pending_.find(key); p != pending_.end()) return p->second ? &*p->second : nullptr;
  auto r = records_.find(key);
  return r == records_.end() ? nullptr : &r->second;
}

void RecordJournal::put(const std::string& key, SecureBytes value) { pending_[key] = std::move(value); }

void RecordJournal::erase(const std::string& key) { pending_[key] = std::nullopt; }

void RecordJournal::put_now(const std::string& key, SecureBytes value) {
  store_.commit({store::Change{key, value}});
  records_[key] = std::move(value);
  pending_.erase(key);
}

std::vector<std::string> RecordJournal::keys(const std::string& prefix) const {
  std::vector<std::string> out;
  auto starts = [&](const std::string& k) { return k.compare(0, prefix.size(), prefix) == 0; };
  for (auto it = records_.lower_bound(prefix); it != records_.end() && starts(it->first); ++it) {
    auto p = pending_.find(it->first);
    if (p == pending_.end() || p->second) out.push_back(it->first);
  }
  for (auto it = pending_.lower_bound(prefix); it != pending_.end() && starts(it->first); ++it) {
    if (it->second && !records_.contains(it->first)) out.push_back(it->first);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void RecordJournal::commit() {
  if (pending_.empty()) return;
  std::vector<store::Change> changes;
  changes.reserve(pending_.size());
  for (const auto& [k, v] : pending_) changes.push_back({k, v});
  store_.commit(changes);
  for (auto& [k, v] : pending_) {
    if (v) {
      records_[k] = std::move(*v);
    } else {
      records_.erase(k);
    }
  }
  pending_.clear();
}

}  // namespace sesame::card
