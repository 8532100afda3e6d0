#include "host/gp/set_status.h"

#include "iso7816/status_word.h"
#include "util/error.h"

namespace sesame::host::gp {
namespace {

void set_status(Scp03Session& s, std::uint8_t p1, std::uint8_t p2, ByteView data) {
  const iso7816::ResponseApdu r = s.transmit({0x80, 0xF0, p1, p2, Bytes(data.begin(), data.end()), 0, false});
  if (!r.ok()) fail(Errc::state, "SET STATUS refused: " + iso7816::sw_name(r.sw));
}

}  // namespace

void lock_application(Scp03Session& s, ByteView aid) { set_status(s, 0x40, 0x80, aid); }
void unlock_application(Scp03Session& s, ByteView aid) { set_status(s, 0x40, 0x00, aid); }
void set_card_life_cycle(Scp03Session& s, std::uint8_t life_cycle) { set_status(s, 0x80, life_cycle, {}); }

}  // namespace sesame::host::gp
