// ISO/IEC 7816-4 command and response APDUs: short and extended, cases 1 to 4.
#pragma once

#include <cstdint>
#include <optional>

#include "util/bytes.h"

namespace sesame::iso7816 {

struct CommandApdu {
  std::uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
  Bytes data;              // command data field (Nc = data.size())
  std::size_t ne = 0;      // expected response length; 0 = Le absent; 256 / 65536 for Le=00 / 0000
  bool extended = false;   // encoded with extended Lc/Le fields

  // Exact validation per ISO/IEC 7816-4 §5.1: the length fields must account for every byte.
  // Throws Error(Errc::parse) with the reason; a card answers that with 6700.
  static CommandApdu parse(ByteView raw);

  // Chooses the short form unless Nc > 255 or Ne > 256 (or `extended` is set).
  Bytes encode() const;

  // 1: no data, no Le; 2: Le only; 3: data only; 4: data and Le.
  int apdu_case() const;

  // Logical channel number coded in CLA (first and further interindustry classes, and the
  // proprietary classes that follow the same coding, as GlobalPlatform's 8x does).
  int channel() const;
  bool chained() const;  // command chaining bit (b5) set
  bool secure_messaging() const;
};

// CLA with its channel bits replaced, switching between the first (channels 0-3) and further
// (4-19) interindustry codings as needed; keeps the proprietary bit, chaining and the SM
// indication (SM with header authentication has no further-class coding and becomes plain SM).
// Throws Error(Errc::invalid_argument) for a channel outside 0..19, a CLA without channel bits,
// or a result of FF (proprietary + SM + chaining on channel 19), which is not a valid class.
std::uint8_t cla_with_channel(std::uint8_t cla, int channel);

struct ResponseApdu {
  Bytes data;
  std::uint16_t sw = 0x9000;

  std::uint8_t sw1() const { return static_cast<std::uint8_t>(sw >> 8); }
  std::uint8_t sw2() const { return static_cast<std::uint8_t>(sw); }
  bool ok() const { return sw == 0x9000; }

  // data || SW1 SW2. Throws Error(Errc::parse) when fewer than 2 bytes.
  static ResponseApdu parse(ByteView raw);
  Bytes encode() const;
};

}  // namespace sesame::iso7816
