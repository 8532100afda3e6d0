#include "host/reader.h"

#include "iso7816/response_chaining.h"

namespace sesame::host {

iso7816::ResponseApdu Reader::transmit(const iso7816::CommandApdu& command) {
  return iso7816::transceive([this](ByteView raw) { return transmit_raw(raw); }, command);
}

}  // namespace sesame::host
