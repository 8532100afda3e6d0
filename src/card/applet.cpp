#include "card/applet.h"

#include "crypto/random.h"
#include "util/tlv.h"

namespace sesame::card {

Bytes AppletContext::random(std::size_t n) const { return crypto::random_bytes(n); }

iso7816::ResponseApdu default_select_response(const iso7816::CommandApdu& select_apdu, ByteView aid) {
  iso7816::ResponseApdu r;
  if ((select_apdu.p2 & 0x0C) == 0x0C) return r;
  if (aid.size() > 16) {
    r.data = tlv_encode(0x6F, tlv_encode(0x84, aid));
    return r;
  }
  // Every SELECT answers this: one buffer, with room for the status word the runtime appends.
  r.data.reserve(4 + aid.size() + 2);
  r.data = {0x6F, static_cast<std::uint8_t>(2 + aid.size()), 0x84, static_cast<std::uint8_t>(aid.size())};
  append(r.data, aid);
  return r;
}

}  // namespace sesame::card
