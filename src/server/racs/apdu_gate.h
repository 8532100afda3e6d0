// The APDU firewall of one session on one card: no command reaches an applet on a logical
// channel until a SELECT by AID that the access policy permits has succeeded there, and every
// later command on that channel passes the user's APDU filter for that applet.
//   - SELECT by AID (interindustry CLA, INS A4, P1 04, P2 first occurrence) is checked against the
//     policy; "next occurrence" (P2 b2 = 1) is refused, since it may reach another applet.
//   - MANAGE CHANNEL passes without a selection (Open Mobile API clients open a channel before
//     they select); the channel it opens or closes starts unselected.
//   - A power-on or reset clears every channel.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "server/racs/access_policy.h"
#include "util/bytes.h"

namespace sesame::server::racs {

class ApduGate {
 public:
  enum class Kind { select, manage_channel, other };

  struct Decision {
    bool allowed = false;
    std::string reason;  // why it was refused (for the error line and the audit log)
    Kind kind = Kind::other;
    int channel = -1;
    Bytes aid;                            // a SELECT's AID
    std::optional<ApduFilter> permitted;  // a permitted SELECT's filter
  };

  // Before `apdu` (at least 4 bytes) is sent.
  Decision check(ByteView apdu, const AccessPolicy& policy, const std::string& user, const std::string& seid) const;
  // A FETCH=CLAINSP1P2 header the server will send on the client's behalf: like any other command.
  Decision check_fetch(const std::array<std::uint8_t, 4>& header) const;
  // After the card answered an allowed command.
  void after(ByteView apdu, const Decision& decision, ByteView response);
  void clear() { channels_ = {}; }

  static constexpr int channels = 20;

 private:
  Decision check_other(const std::array<std::uint8_t, 4>& header) const;
  std::array<std::optional<ApduFilter>, channels> channels_{};
};

}  // namespace sesame::server::racs
