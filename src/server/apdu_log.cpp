#include "server/apdu_log.h"

#include <cstdio>

#include "iso7816/apdu.h"
#include "iso7816/status_word.h"
#include "util/error.h"

namespace sesame::server {

std::string describe_command(ByteView command_apdu) {
  char buf[96];
  if (command_apdu.size() < 4) {
    std::snprintf(buf, sizeof buf, "malformed, %zu bytes", command_apdu.size());
    return buf;
  }
  std::snprintf(buf, sizeof buf, "CLA=%02X INS=%02X P1=%02X P2=%02X", command_apdu[0], command_apdu[1],
                command_apdu[2], command_apdu[3]);
  std::string out = buf;
  try {
    const auto cmd = iso7816::CommandApdu::parse(command_apdu);
    if (!cmd.data.empty()) out += " Lc=" + std::to_string(cmd.data.size());
    if (cmd.ne != 0) out += " Le=" + std::to_string(cmd.ne);
  } catch (const Error&) {
    out += " (bad length fields, " + std::to_string(command_apdu.size()) + " bytes)";
  }
  return out;
}

std::string describe_response(ByteView response_apdu) {
  if (response_apdu.size() < 2)
    return "malformed response, " + std::to_string(response_apdu.size()) + " bytes";
  const std::uint16_t sw = get_u16(response_apdu, response_apdu.size() - 2);
  return "SW=" + iso7816::sw_name(sw) + " Nr=" + std::to_string(response_apdu.size() - 2);
}

}  // namespace sesame::server
