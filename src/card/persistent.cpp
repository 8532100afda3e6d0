#include "card/persistent.h"

#include "card/record_journal.h"
#include "util/error.h"

namespace sesame::card {

std::string Persistent::full(std::string_view key) const {
  if (key.empty()) fail(Errc::invalid_argument, "empty persistent key");
  std::string out;
  out.reserve(prefix_.size() + key.size());
  out.append(prefix_).append(key);
  return out;
}

const SecureBytes* Persistent::view(std::string_view key) const {
  if (key.empty()) fail(Errc::invalid_argument, "empty persistent key");
  return journal_->get(prefix_, key);
}

std::optional<SecureBytes> Persistent::get(std::string_view key) const {
  const SecureBytes* v = view(key);
  if (!v) return std::nullopt;
  return *v;
}

bool Persistent::contains(std::string_view key) const { return view(key) != nullptr; }

void Persistent::put(std::string_view key, SecureBytes value) { journal_->put(full(key), std::move(value)); }

void Persistent::erase(std::string_view key) { journal_->erase(full(key)); }

void Persistent::put_now(std::string_view key, SecureBytes value) { journal_->put_now(full(key), std::move(value)); }

std::vector<std::string> Persistent::keys(std::string_view sub_prefix) const {
  auto all = journal_->keys(std::string(prefix_) + std::string(sub_prefix));
  for (auto& k : all) k.erase(0, prefix_.size());
  return all;
}

void Persistent::erase_all() {
  for (const auto& k : journal_->keys(std::string(prefix_))) journal_->erase(k);
}

}  // namespace sesame::card
