#include "iso7816/wsca_protocol.h"

namespace sesame::iso7816::wsca {

Bytes auth_signing_input(Ins ins, ByteView challenge, ByteView signed_data) {
  Bytes out(as_bytes("sesame/wsca/auth/v1").begin(), as_bytes("sesame/wsca/auth/v1").end());
  out.push_back(static_cast<std::uint8_t>(ins));
  append(out, challenge);
  append(out, signed_data);
  return out;
}

Bytes operation_binding(std::uint8_t ins, std::uint8_t p1, ByteView data_sha256) {
  Bytes out{ins, p1};
  append(out, data_sha256);
  return out;
}

Bytes envelope_aad(Ins ins, std::uint32_t unit_id) {
  Bytes out{static_cast<std::uint8_t>(ins)};
  put_u32(out, unit_id);
  return out;
}

}  // namespace sesame::iso7816::wsca
