#include "iso7816/emv_dol.h"

#include <algorithm>

#include "util/byte_reader.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::iso7816::emv {

std::vector<DolEntry> parse_dol(ByteView dol) {
  std::vector<DolEntry> out;
  ByteReader r(dol, "DOL");
  while (!r.empty()) {
    std::uint32_t tag = r.u8();
    if ((tag & 0x1F) == 0x1F) {
      std::uint8_t b = 0;
      do {
        if (tag > 0xFFFF) fail(Errc::parse, "DOL: tag longer than 3 bytes");
        b = r.u8();
        tag = (tag << 8) | b;
      } while (b & 0x80);
    }
    if (!tag_valid(tag)) fail(Errc::parse, "DOL: malformed tag");
    if (tag_constructed(tag)) fail(Errc::parse, "DOL: constructed tag");
    const std::size_t len = r.u8();
    out.push_back({tag, len});
  }
  return out;
}

std::size_t dol_data_length(const std::vector<DolEntry>& dol) {
  std::size_t n = 0;
  for (const auto& e : dol) n += e.length;
  return n;
}

bool is_numeric_tag(std::uint32_t tag) {
  switch (tag) {
    case 0x9F02: case 0x9F03: case 0x9F1A: case 0x5F2A: case 0x9A: case 0x9C: case 0x9F21:
    case 0x5F24: case 0x5F25: case 0x5F28: case 0x9F42: case 0x5F34: case 0x9F44: case 0x9F15:
    case 0x9F41: case 0x9F1B:
      return true;
    default:
      return false;
  }
}

Bytes build_dol_data(const std::vector<DolEntry>& dol, const DolSource& source) {
  Bytes out;
  for (const auto& e : dol) {
    const auto v = source ? source(e.tag) : std::nullopt;
    Bytes field(e.length, 0);
    if (v) {
      const std::size_t n = std::min(v->size(), e.length);
      if (is_numeric_tag(e.tag))
        std::copy(v->end() - static_cast<std::ptrdiff_t>(n), v->end(), field.end() - static_cast<std::ptrdiff_t>(n));
      else
        std::copy(v->begin(), v->begin() + static_cast<std::ptrdiff_t>(n), field.begin());
    }
    append(out, field);
  }
  return out;
}

std::optional<Bytes> dol_value(const std::vector<DolEntry>& dol, ByteView data, std::uint32_t tag) {
  if (data.size() != dol_data_length(dol)) fail(Errc::parse, "DOL data: length differs from the DOL");
  std::size_t off = 0;
  for (const auto& e : dol) {
    if (e.tag == tag) return Bytes(data.begin() + static_cast<std::ptrdiff_t>(off),
                                   data.begin() + static_cast<std::ptrdiff_t>(off + e.length));
    off += e.length;
  }
  return std::nullopt;
}

std::vector<AflEntry> parse_afl(ByteView afl) {
  if (afl.size() % 4 != 0) fail(Errc::parse, "AFL: length not a multiple of 4");
  std::vector<AflEntry> out;
  for (std::size_t i = 0; i < afl.size(); i += 4) {
    AflEntry e{static_cast<std::uint8_t>(afl[i] >> 3), afl[i + 1], afl[i + 2], afl[i + 3]};
    if ((afl[i] & 0x07) != 0 || e.sfi < 1 || e.sfi > 30 || e.first < 1 || e.last < e.first ||
        e.oda_count > e.last - e.first + 1)
      fail(Errc::parse, "AFL: invalid entry");
    out.push_back(e);
  }
  return out;
}

}  // namespace sesame::iso7816::emv
