#include "card/applet.h"

#include "crypto/random.h"
#include "util/tlv.h"

namespace sesame::card {

Bytes AppletContext::random(std::size_t n) const { return crypto::random_bytes(n); }

iso7816::ResponseApdu default_select_response(const iso7816::CommandApdu& select_apdu, ByteView aid) {
  iso7816::ResponseApdu r;
  if ((select_apdu.p2 & 0x0C) == 0x0C) return r;
  r.data = tlv_encode(0x6F, tlv_encode(0x84, aid));
  return r;
}

}  // namespace sesame::card
