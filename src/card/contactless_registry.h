// The data model of the Contactless Registry Service (GlobalPlatform Card Specification 2.3
// Amendment C): each application's contactless activation state, kept by the ISD in its records
// ("crs/<AID hex>", one byte). Only the model and its transitions so far; the CRS application
// (A00000015143525300), its SET STATUS / GET STATUS and the contactless interface gate are not
// built yet (docs/GP.md, "Not yet").
//
// States: ACTIVATED (the application may be used over the contactless interface), DEACTIVATED
// (it may not, until activated), NON_ACTIVATABLE (it may not, and cannot be activated until it is
// made DEACTIVATED again, e.g. after a conflict is resolved). sesame's choices: an application
// without a record is DEACTIVATED (nothing becomes visible over contactless without a decision);
// a LOCKED application cannot be ACTIVATED. Not wired yet: nothing calls this from DELETE (a
// deleted application's record stays until erase_contactless_state) or from the runtime.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "card/persistent.h"
#include "util/bytes.h"

namespace sesame::card {

enum class ContactlessState : std::uint8_t {
  activated = 0x01,
  deactivated = 0x80,
  non_activatable = 0x81,
};

std::string contactless_state_record(ByteView aid);  // "crs/<AID hex>"
const char* contactless_state_name(ContactlessState s);

// Through the ISD's Persistent. Throws Error(Errc::integrity) for a record that does not decode.
ContactlessState contactless_state(const Persistent& isd, ByteView aid);
// Throws Error(Errc::state) for a transition the model forbids (NON_ACTIVATABLE -> ACTIVATED, or
// ACTIVATED for a LOCKED application: `application_life_cycle` b8), Error(Errc::invalid_argument)
// for an AID outside 5-16 bytes. Setting the current state again is allowed and writes nothing.
void set_contactless_state(Persistent& isd, ByteView aid, std::uint8_t application_life_cycle, ContactlessState to);
// Forgets the application (for DELETE, once the CRS is wired to it).
void erase_contactless_state(Persistent& isd, ByteView aid);
// Applications currently ACTIVATED, in record order.
std::vector<Bytes> activated_applications(const Persistent& isd);

// The Contactless Registry Service as the card runtime offers it to applets
// (AppletContext::contactless()): the records above plus what an application registered about
// itself (payment application or not, its group), the single-active-payment rule and listeners.
// Record "crs/<AID hex>": state (1) [|| flags (1, b8 = payment application) || group (1)].
class ContactlessRegistry {
 public:
  // An installed application's GP life cycle, nullopt when no such application is installed.
  using LifeCycleOf = std::function<std::optional<std::uint8_t>(ByteView aid)>;
  // Called after each change: (aid, from, to).
  using Listener = std::function<void(ByteView aid, ContactlessState from, ContactlessState to)>;

  ContactlessRegistry(Persistent isd, LifeCycleOf life_cycle_of)
      : isd_(std::move(isd)), life_cycle_of_(std::move(life_cycle_of)) {}

  ContactlessState state(ByteView aid) const { return contactless_state(isd_, aid); }
  bool registered(ByteView aid) const;
  bool is_payment(ByteView aid) const;
  std::uint8_t group(ByteView aid) const;  // 0: a group of its own
  // The installed application's GP life cycle, nullopt when it is not installed.
  std::optional<std::uint8_t> life_cycle(ByteView aid) const { return life_cycle_of_ ? life_cycle_of_(aid) : std::nullopt; }

  // An application says what it is (at install): `payment` applications obey the single-active
  // rule; applications of the same non-zero group may be ACTIVATED together. Keeps the state.
  void register_application(ByteView aid, bool payment, std::uint8_t group);
  // Amendment C activation / deactivation. ACTIVATED: Errc::not_found for an application that is
  // not installed, Errc::state when it is NON_ACTIVATABLE or LOCKED; for a payment application,
  // every other ACTIVATED payment application outside its group becomes DEACTIVATED first.
  // Listeners hear every change, those of the rule included, after the records are written.
  void set_state(ByteView aid, ContactlessState to);
  void add_listener(Listener listener) { listeners_.push_back(std::move(listener)); }

 private:
  void write(ByteView aid, ContactlessState to, bool payment, std::uint8_t group);

  Persistent isd_;
  LifeCycleOf life_cycle_of_;
  std::vector<Listener> listeners_;
};

}  // namespace sesame::card
