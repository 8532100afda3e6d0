#include "util/base64.h"

#include <array>
#include <cstdint>

#include "util/error.h"

namespace sesame {
namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(ByteView data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(alphabet[(v >> 18) & 0x3F]);
    out.push_back(alphabet[(v >> 12) & 0x3F]);
    out.push_back(alphabet[(v >> 6) & 0x3F]);
    out.push_back(alphabet[v & 0x3F]);
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{data[i]} << 16;
    out.push_back(alphabet[(v >> 18) & 0x3F]);
    out.push_back(alphabet[(v >> 12) & 0x3F]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out.push_back(alphabet[(v >> 18) & 0x3F]);
    out.push_back(alphabet[(v >> 12) & 0x3F]);
    out.push_back(alphabet[(v >> 6) & 0x3F]);
    if (pad) out.push_back('=');
  }
  return out;
}

std::array<std::int8_t, 256> reverse(const char* alphabet) {
  std::array<std::int8_t, 256> r{};
  r.fill(-1);
  for (int i = 0; i < 64; ++i) r[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return r;
}

// Decodes unpadded symbols; text.size() % 4 must not be 1.
Bytes decode(std::string_view text, const std::array<std::int8_t, 256>& rev, const char* name) {
  if (text.size() % 4 == 1) fail(Errc::parse, std::string(name) + ": impossible length");
  Bytes out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int v = rev[static_cast<unsigned char>(text[i])];
    if (v < 0) fail(Errc::parse, std::string(name) + ": invalid character at offset " + std::to_string(i));
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  // Leftover bits (2 or 4) must be zero, or two texts would decode to the same bytes.
  if (acc != 0) fail(Errc::parse, std::string(name) + ": non-zero trailing bits");
  return out;
}

}  // namespace

std::string base64_encode(ByteView data) { return encode(data, kStd, true); }
std::string base64url_encode(ByteView data) { return encode(data, kUrl, false); }

Bytes base64_decode(std::string_view text) {
  static const auto rev = reverse(kStd);
  if (text.size() % 4 != 0) fail(Errc::parse, "base64: length is not a multiple of 4");
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') {
    if (pad == 0) fail(Errc::parse, "base64: misplaced padding");
    ++pad;
  }
  return decode(text.substr(0, text.size() - pad), rev, "base64");
}

Bytes base64url_decode(std::string_view text) {
  static const auto rev = reverse(kUrl);
  return decode(text, rev, "base64url");
}

}  // namespace sesame
