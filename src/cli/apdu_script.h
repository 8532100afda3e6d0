// The APDU script format of `sesame apdu SEID --script FILE` (docs/CLI.md):
//
//   # a comment; blank lines are skipped
//   00A4040009F0534553414D450101        # command APDU only: any answer is accepted
//   80CA9F7F00 ; 9000                   # ';' then the expected status word
//   00B0000004 ; 0102030490 00          # ';' then more than 2 bytes: the exact whole response
//   00C0000000 ; 61XX                   # an X in a status word matches any hex digit
//
// Hex may contain spaces and colons between byte pairs, as everywhere in sesame.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.h"

namespace sesame::cli {

struct ExpectedResponse {
  // Status word with a per-nibble mask (mask bit 1 = must match); or the exact full response.
  std::uint16_t sw = 0, sw_mask = 0;
  std::optional<Bytes> full;

  bool matches(ByteView response) const;
  std::string describe() const;  // "9000", "61XX", or the full hex
};

struct ScriptStep {
  int line = 0;  // 1-based line in the script
  Bytes command;
  std::optional<ExpectedResponse> expected;
};

// Throws Error(Errc::parse) naming the line on malformed input.
std::vector<ScriptStep> parse_apdu_script(std::string_view text);

}  // namespace sesame::cli
