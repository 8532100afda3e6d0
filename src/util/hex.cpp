#include "util/hex.h"

#include "util/error.h"

namespace sesame {

std::string to_hex(ByteView data) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(data.size() * 2);
  for (auto b : data) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0F]);
  }
  return out;
}

namespace {
int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Bytes from_hex(std::string_view text) {
  Bytes out;
  out.reserve(text.size() / 2);
  int high = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == ':') {
      if (high >= 0) fail(Errc::invalid_argument, "hex: separator inside a byte at offset " + std::to_string(i));
      continue;
    }
    int v = nibble(c);
    if (v < 0) fail(Errc::invalid_argument, "hex: invalid character at offset " + std::to_string(i));
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | v));
      high = -1;
    }
  }
  if (high >= 0) fail(Errc::invalid_argument, "hex: odd number of digits");
  return out;
}

}  // namespace sesame
