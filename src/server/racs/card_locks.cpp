#include "server/racs/card_locks.h"

namespace sesame::server::racs {

CardLocks::Result CardLocks::acquire(const std::string& seid, SessionId session) {
  std::lock_guard lock(mutex_);
  const auto [it, inserted] = owners_.try_emplace(seid, session);
  if (inserted) return Result::acquired;
  return it->second == session ? Result::already_held : Result::in_use;
}

bool CardLocks::release(const std::string& seid, SessionId session) {
  std::lock_guard lock(mutex_);
  const auto it = owners_.find(seid);
  if (it == owners_.end() || it->second != session) return false;
  owners_.erase(it);
  return true;
}

std::optional<SessionId> CardLocks::holder(const std::string& seid) const {
  std::lock_guard lock(mutex_);
  const auto it = owners_.find(seid);
  if (it == owners_.end()) return std::nullopt;
  return it->second;
}

std::size_t CardLocks::held() const {
  std::lock_guard lock(mutex_);
  return owners_.size();
}

}  // namespace sesame::server::racs
