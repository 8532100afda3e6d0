// Reader-side handling of the ISO/IEC 7816-4 §5.3.4 (and 7816-3 §12.2 for T=0) procedure bytes a
// card answers with when it wants the terminal to fetch or re-ask: 61xx (more data, send GET
// RESPONSE) and 6Cxx (wrong Le, send the command again with Le = xx). Every terminal in host/ uses
// this, against hosted and real cards alike.
#pragma once

#include <cstddef>
#include <functional>

#include "iso7816/apdu.h"
#include "util/bytes.h"

namespace sesame::iso7816 {

// Sends an encoded command APDU and returns the card's raw answer (data || SW1 SW2).
using TransmitRaw = std::function<Bytes(ByteView)>;

// Bounds a hostile or broken card cannot push a terminal past.
struct ChainingLimits {
  std::size_t max_get_response = 512;           // GET RESPONSE rounds for one command
  std::size_t max_total_bytes = 1024 * 1024;    // response data collected for one command
};

// Sends `cmd`. On 6Cxx sends it once more with Le = xx (00 = 256). On 61xx sends GET RESPONSE
// (CLA 00 coded for the command's logical channel, INS C0, P1 P2 00 00, Le = xx, 00 = 256) for as
// long as the card answers 61xx, concatenating the data; a 6Cxx answer to a GET RESPONSE is
// likewise retried once with the exact Le. Returns the collected data with the last status word.
// Throws Error(Errc::parse) for an answer shorter than two bytes or when a limit is exceeded;
// whatever transmit_raw throws passes through.
ResponseApdu transceive(const TransmitRaw& transmit_raw, const CommandApdu& cmd, const ChainingLimits& limits = {});

// The GET RESPONSE command that fetches `sw2` (from 61xx) more bytes on `channel`.
CommandApdu get_response_command(int channel, std::uint8_t sw2);

}  // namespace sesame::iso7816
