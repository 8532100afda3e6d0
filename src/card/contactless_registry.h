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

}  // namespace sesame::card
