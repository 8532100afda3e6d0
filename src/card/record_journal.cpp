#include "card/record_journal.h"

#include <algorithm>

namespace sesame::card {
namespace {

// Runs a store call and marks its failures as the store's (and remembers them in `failed`).
template <class F>
auto store_call(bool& failed, F&& f) {
  try {
    return f();
  } catch (const StoreFailure&) {
    failed = true;
    throw;
  } catch (const Error& e) {
    if (e.code() != Errc::io && e.code() != Errc::integrity) throw;
    failed = true;
    throw StoreFailure(e);
  }
}

}  // namespace

void RecordJournal::load() {
  auto loaded = store_call(failed_, [&] { return store_.load(); });
  records_.clear();
  for (auto& [k, v] : loaded) records_.emplace(k, std::move(v));
  pending_.clear();
  savepoints_.clear();
  failed_ = false;
}

const SecureBytes* RecordJournal::get(const std::string& key) const {
  if (auto p = pending_.find(key); p != pending_.end()) return p->second ? &*p->second : nullptr;
  auto r = records_.find(key);
  return r == records_.end() ? nullptr : &r->second;
}

const SecureBytes* RecordJournal::get(std::string_view prefix, std::string_view key) const {
  scratch_.assign(prefix).append(key);
  if (auto p = pending_.find(scratch_); p != pending_.end()) return p->second ? &*p->second : nullptr;
  auto r = records_.find(scratch_);
  return r == records_.end() ? nullptr : &r->second;
}

void RecordJournal::put(const std::string& key, SecureBytes value) { pending_[key] = std::move(value); }

void RecordJournal::erase(const std::string& key) { pending_[key] = std::nullopt; }

void RecordJournal::put_now(const std::string& key, SecureBytes value) {
  store_call(failed_, [&] { store_.commit({store::Change{key, value}}); });
  records_[key] = std::move(value);
  // The durable write supersedes any buffered write of the key, now and after a rollback.
  pending_.erase(key);
  for (auto& sp : savepoints_) sp.erase(key);
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

std::size_t RecordJournal::savepoint() {
  savepoints_.push_back(pending_);
  return savepoints_.size() - 1;
}

void RecordJournal::rollback(std::size_t sp) {
  if (sp >= savepoints_.size()) fail(Errc::internal, "record journal: no such savepoint");
  pending_ = std::move(savepoints_[sp]);
  savepoints_.resize(sp);
}

void RecordJournal::release(std::size_t sp) {
  if (sp < savepoints_.size()) savepoints_.resize(sp);
}

void RecordJournal::commit() {
  savepoints_.clear();
  if (pending_.empty()) return;
  std::vector<store::Change> changes;
  changes.reserve(pending_.size());
  for (const auto& [k, v] : pending_) changes.push_back({k, v});
  if (async_) {
    store_call(failed_, [&] { store_.commit_async(changes, async_()); });
  } else {
    store_call(failed_, [&] { store_.commit(changes); });
  }
  for (auto& [k, v] : pending_) {
    if (v) {
      records_.insert_or_assign(k, std::move(*v));
    } else {
      records_.erase(k);
    }
  }
  pending_.clear();
}

void RecordJournal::discard() {
  pending_.clear();
  savepoints_.clear();
  failed_ = false;
}

bool RecordJournal::take_failure() {
  const bool f = failed_;
  failed_ = false;
  return f;
}

}  // namespace sesame::card
