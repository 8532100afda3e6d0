// Hex encoding and decoding.
#pragma once

#include <string>
#include <string_view>

#include "util/bytes.h"

namespace sesame {

// Upper-case hex, no separators (the form APDUs are written in on every wire sesame speaks).
std::string to_hex(ByteView data);

// Accepts upper or lower case; spaces, tabs and colons between byte pairs are skipped.
// Throws Error(Errc::invalid_argument) on an odd digit count or a non-hex character.
Bytes from_hex(std::string_view text);

}  // namespace sesame
