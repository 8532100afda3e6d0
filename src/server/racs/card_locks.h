// Which RACS session holds which card. A card is taken by the first session that powers it or
// sends it an APDU and stays with it until SHUTDOWN or the end of that session; every other
// session gets "In Use" meanwhile. Only taking and giving back touch the shared map: a session
// remembers what it holds, so its APDUs never wait on this lock.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace sesame::server::racs {

using SessionId = std::uint64_t;

class CardLocks {
 public:
  enum class Result { acquired, already_held, in_use };

  Result acquire(const std::string& seid, SessionId session);
  // Gives the card back if `session` holds it; returns whether it did.
  bool release(const std::string& seid, SessionId session);
  std::optional<SessionId> holder(const std::string& seid) const;
  std::size_t held() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, SessionId> owners_;
};

}  // namespace sesame::server::racs
