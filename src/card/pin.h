// A PIN (or PUK) kept in an applet's persistent records, with the Java Card OwnerPIN discipline:
// the try counter is decremented and made durable (Persistent::put_now) BEFORE the comparison, so
// tearing the card during a VERIFY costs a try instead of granting a free guess; the comparison is
// constant time over a fixed-length padded form, so neither content nor length leaks.
// The "validated" flag lives in the channel session (cleared on deselect, reset, power off).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "card/applet.h"
#include "card/persistent.h"
#include "util/bytes.h"

namespace sesame::card {

inline constexpr std::size_t kMaxPinLength = 16;

struct PinPolicy {
  std::size_t min_length = 4;
  std::size_t max_length = 8;  // at most kMaxPinLength
  bool digits_only = true;     // ASCII '0'..'9'
  std::uint8_t try_limit = 3;  // 1..15: 63Cx carries the count in 4 bits
};

class PinObject {
 public:
  // `name` is the persistent key stem ("pin", "puk"); keys "<name>.value" and "<name>.tries".
  // Throws Error(Errc::invalid_argument) for an inconsistent policy.
  PinObject(std::string name, PinPolicy policy);

  const PinPolicy& policy() const { return policy_; }
  bool conforms(ByteView value) const;

  bool is_set(const Persistent& p) const;
  std::uint8_t tries_left(const Persistent& p) const;
  bool blocked(const Persistent& p) const { return is_set(p) && tries_left(p) == 0; }

  // Personalisation: sets the value and the counter to the limit (buffered with the command).
  // Throws SwError 6A80 when the value violates the policy.
  void set(Persistent& p, ByteView value) const;

  bool validated(AppletContext& ctx) const;
  void invalidate(AppletContext& ctx) const;

  // VERIFY with data. Returns on success (session validated, counter back at the limit).
  // Throws SwError: 6984 not set, 6983 blocked, 6A80 not conforming to the policy (not counted),
  // 63Cx wrong value with x tries left (63C0 on the last one; afterwards 6983).
  void verify(AppletContext& ctx, ByteView candidate) const;
  // VERIFY without data (ISO/IEC 7816-4 §11.5.6): 9000 if validated in this session, else 63Cx,
  // or 6983 when blocked, 6984 when not set. Never counts.
  std::uint16_t status(AppletContext& ctx) const;
  // CHANGE REFERENCE DATA: new value checked first (6A80, no try spent), then the old one verified.
  void change(AppletContext& ctx, ByteView old_value, ByteView new_value) const;
  // Privileged unblock (after a PUK, or by the runtime): counter back to the limit and, if given,
  // a new value (6A80 if it violates the policy). The session's validation is cleared.
  void reset(AppletContext& ctx, std::optional<ByteView> new_value) const;

 private:
  SecureBytes padded(ByteView value) const;
  std::string value_key_, tries_key_, name_;
  PinPolicy policy_;
};

}  // namespace sesame::card
