// The DGI file of `sesame gp personalise --dgi-file` (docs/GP.md, "DGI files"): one Data Grouping
// Identifier per line,
//     <DGI: 4 hex digits> [enc] <value>
// where the value is hex (spaces inside allowed, may be empty) or one "quoted ASCII string"
// (no escapes), and `enc` asks for the value to travel encrypted under K-DEK (STORE DATA P1 b7b6
// = 11). '#' starts a comment to the end of the line; blank lines are skipped.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "util/secure_buffer.h"

namespace sesame::host::gp {

inline constexpr std::size_t kMaxDgiFileEntries = 4096;

struct DgiEntry {
  std::uint16_t tag = 0;
  SecureBytes value;      // may be a PIN or a key
  bool encrypt = false;   // send under K-DEK
  int line = 0;           // 1-based line in the file (for messages)
};

// Throws Error(Errc::parse) naming the line (never its value) for anything else: a DGI that is not
// 4 hex digits, an odd or non-hex value, an unterminated string, a value over 65535 bytes, more
// than kMaxDgiFileEntries entries.
std::vector<DgiEntry> parse_dgi_file(std::string_view text);

}  // namespace sesame::host::gp
