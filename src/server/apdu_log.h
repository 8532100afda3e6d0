// What sesamed may log about an APDU: the header and lengths, never the data field (it can carry
// PINs, keys and personal data), and the status word of the response.
#pragma once

#include <string>

#include "util/bytes.h"

namespace sesame::server {

// "CLA=00 INS=A4 P1=04 P2=00 Lc=8" (or "malformed, 3 bytes"). Never includes data bytes.
std::string describe_command(ByteView command_apdu);
// "SW=9000 (success) Nr=12". Never includes data bytes.
std::string describe_response(ByteView response_apdu);

}  // namespace sesame::server
