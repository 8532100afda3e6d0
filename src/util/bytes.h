// Byte buffers and views used across sesame.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sesame {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline Bytes concat(std::initializer_list<ByteView> parts) {
  std::size_t n = 0;
  for (auto p : parts) n += p.size();
  Bytes out;
  out.reserve(n);
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline void append(Bytes& out, ByteView more) { out.insert(out.end(), more.begin(), more.end()); }

// Big-endian helpers (ISO 7816 and EMV are big-endian throughout). `Out` is Bytes or SecureBytes
// (anything with push_back of a byte). The get_* helpers do not check bounds: parse outside input
// with ByteReader (util/byte_reader.h).
template <typename Out>
void put_u16(Out& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
template <typename Out>
void put_u32(Out& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
template <typename Out>
void put_u64(Out& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
inline std::uint16_t get_u16(ByteView b, std::size_t off = 0) {
  return static_cast<std::uint16_t>((b[off] << 8) | b[off + 1]);
}
inline std::uint32_t get_u32(ByteView b, std::size_t off = 0) {
  return (std::uint32_t{b[off]} << 24) | (std::uint32_t{b[off + 1]} << 16) | (std::uint32_t{b[off + 2]} << 8) |
         b[off + 3];
}
inline std::uint64_t get_u64(ByteView b, std::size_t off = 0) {
  return (std::uint64_t{get_u32(b, off)} << 32) | get_u32(b, off + 4);
}

}  // namespace sesame
