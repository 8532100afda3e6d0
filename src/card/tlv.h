// Minimal BER-TLV (ISO/IEC 7816-4 §5.2 / ISO/IEC 8825-1) for what the card runtime builds and reads:
// FCI/FCP templates, GET STATUS and GET DATA responses, simple command data objects.
#pragma once

#include <cstdint>
#include <vector>

#include "util/bytes.h"

namespace sesame::card {

// Tags are written as their encoded bytes read big-endian: 0x4F, 0x9F70, 0x5F2D.
void append_tlv(Bytes& out, std::uint32_t tag, ByteView value);
Bytes tlv(std::uint32_t tag, ByteView value);

struct TlvItem {
  std::uint32_t tag;
  ByteView value;
};

// A flat sequence of data objects (constructed values are not descended into).
// Throws Error(Errc::parse) on a truncated tag, length or value, or a length form above 3 bytes.
std::vector<TlvItem> parse_tlv_list(ByteView data);

}  // namespace sesame::card
