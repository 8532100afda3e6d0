// SET STATUS (GP Card Specification 2.3 §11.10) through an open session: lock and unlock an
// application, and the card life cycle (CARD_LOCKED, back to SECURED, TERMINATED).
#pragma once

#include <cstdint>

#include "host/gp/scp03_session.h"
#include "util/bytes.h"

namespace sesame::host::gp {

// Throw Error(Errc::state) naming the status word when the card refuses.
void lock_application(Scp03Session& session, ByteView aid);
void unlock_application(Scp03Session& session, ByteView aid);
// life_cycle: 07 INITIALIZED, 0F SECURED, 7F CARD_LOCKED, FF TERMINATED (irreversible).
void set_card_life_cycle(Scp03Session& session, std::uint8_t life_cycle);

}  // namespace sesame::host::gp
