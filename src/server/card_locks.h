// Which transport holds which card: one lock per card shared by every transport of one sesamed
// (RACS sessions, vpcd reader slots), so two of them never drive the same card at once. A RACS
// session takes a card when it powers it or sends it an APDU and keeps it until SHUTDOWN or the
// end of the session; a vpcd slot takes it while vpcd has it powered. Everyone else gets "In Use"
// meanwhile. Only taking and giving back touch the shared map: a holder remembers what it holds,
// so its APDUs never wait on this lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace sesame::server {

using HolderId = std::uint64_t;

class CardLocks {
 public:
  enum class Result { acquired, already_held, in_use };

  // A fresh id for one holder (a RACS session, a vpcd slot): never 0, never handed out twice.
  HolderId new_holder() { return next_.fetch_add(1, std::memory_order_relaxed); }

  Result acquire(const std::string& seid, HolderId holder);
  // Gives the card back if `holder` holds it; returns whether it did.
  bool release(const std::string& seid, HolderId holder);
  std::optional<HolderId> holder(const std::string& seid) const;
  std::size_t held() const;

 private:
  std::atomic<HolderId> next_{1};
  mutable std::mutex mutex_;
  std::unordered_map<std::string, HolderId> owners_;
};

}  // namespace sesame::server
