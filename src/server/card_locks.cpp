#include "server/card_locks.h"

namespace sesame::server {

CardLocks::Result CardLocks::acquire(const std::string& seid, HolderId holder) {
  std::lock_guard lock(mutex_);
  const auto [it, inserted] = owners_.try_emplace(seid, holder);
  if (inserted) return Result::acquired;
  return it->second == holder ? Result::already_held : Result::in_use;
}

bool CardLocks::release(const std::string& seid, HolderId holder) {
  std::lock_guard lock(mutex_);
  const auto it = owners_.find(seid);
  if (it == owners_.end() || it->second != holder) return false;
  owners_.erase(it);
  return true;
}

std::optional<HolderId> CardLocks::holder(const std::string& seid) const {
  std::lock_guard lock(mutex_);
  const auto it = owners_.find(seid);
  if (it == owners_.end()) return std::nullopt;
  return it->second;
}

std::size_t CardLocks::held() const {
  std::lock_guard lock(mutex_);
  return owners_.size();
}

}  // namespace sesame::server
