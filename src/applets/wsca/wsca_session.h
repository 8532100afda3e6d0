// Internal to the WSCA applet: per-channel session state and the helpers its command files share.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "card/applet.h"
#include "crypto/ec_key.h"
#include "iso7816/apdu.h"
#include "iso7816/wsca_protocol.h"
#include "util/bytes.h"
#include "util/tlv.h"

namespace sesame::applets::wsca {

using namespace iso7816::wsca;  // NOLINT

struct UnitSession {
  Bytes challenge;  // one-time, from GET CHALLENGE; consumed by the next authentication command
  std::optional<std::chrono::system_clock::time_point> authenticated_at;
  bool fresh = false;  // an authentication not yet consumed by a per-use key
  Bytes bound;         // D5 of the authentication: the one command it allows (empty: any, in its window)

  void end_authentication() {
    authenticated_at.reset();
    fresh = false;
    bound.clear();
  }
};

// Transient per channel (Java Card CLEAR_ON_DESELECT): gone on deselect, reset and power off.
struct WscaSession {
  std::map<std::uint32_t, UnitSession> units;
  Bytes provider_challenge;
  bool provider = false;
  // Unwrapped private keys, decoded once per session and reused by every SIGN / ECDH. Unit and key
  // ids are never reused, so a cached key is valid exactly while its record exists (checked on
  // every use: another channel may have deleted it).
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::shared_ptr<const crypto::EcPrivateKey>> keys;

  void forget_unit(std::uint32_t unit) {
    units.erase(unit);
    std::erase_if(keys, [unit](const auto& kv) { return kv.first.first == unit; });
  }
};

// The parsed data field of a command: BER-TLV objects, each tag at most once.
class Fields {
 public:
  explicit Fields(ByteView data);
  const Tlv* find(std::uint32_t tag) const { return find_tlv(items_, tag); }
  // Exactly `size` bytes (0: any non-empty length), else 6A80; absent: 6A80.
  ByteView require(std::uint32_t tag, std::size_t size = 0) const;
  std::uint32_t unit() const;  // tag C0, 4 bytes, not the provider's 0
  std::uint32_t u32(std::uint32_t tag) const;
  // The data before the signature object (C6), which must be the last object.
  ByteView signed_part() const { return signed_part_; }

 private:
  std::vector<Tlv> items_;
  ByteView signed_part_;
};

iso7816::ResponseApdu process_key_command(const iso7816::CommandApdu& apdu, card::AppletContext& ctx);

// 6982 unless the unit's user authentication in this session is at most `window` seconds old.
void require_user_auth(card::AppletContext& ctx, std::uint32_t unit, std::uint16_t window);
// 6A88 unless the unit exists and is active.
void require_active_unit(card::AppletContext& ctx, std::uint32_t unit);

}  // namespace sesame::applets::wsca
