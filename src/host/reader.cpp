#include "host/reader.h"

#include "iso7816/response_chaining.h"

namespace sesame::host {

iso7816::ResponseApdu Reader::transmit(const iso7816::CommandApdu& command) {
  return iso7816::transceive([this](ByteView raw) { return transmit_raw(raw); }, command);
}

iso7816::ResponseApdu Reader::select_by_aid(ByteView aid) {
  iso7816::CommandApdu c;
  c.ins = 0xA4;
  c.p1 = 0x04;
  c.p2 = 0x0C;
  c.data.assign(aid.begin(), aid.end());
  return transmit(c);
}

}  // namespace sesame::host
