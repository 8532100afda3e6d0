// PUT KEY (GP Card Specification 2.3 §11.8) of a whole SCP03 key set through an open session: the
// new keys travel encrypted with the session's static K-DEK, and the card's key check values are
// compared with the keys sent.
#pragma once

#include <cstdint>

#include "host/gp/scp03_session.h"
#include "iso7816/scp03.h"

namespace sesame::host::gp {

// replace_kvn 0: add key set new_kvn; else replace set replace_kvn by new_kvn (which may be equal).
// Throws Error(Errc::state) naming the status word when the card refuses, Error(Errc::crypto) when
// its key check values do not match the keys.
void put_key(Scp03Session& session, std::uint8_t replace_kvn, std::uint8_t new_kvn, const iso7816::scp03::StaticKeys& keys);

}  // namespace sesame::host::gp
