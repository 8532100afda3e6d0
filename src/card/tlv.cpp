#include "card/tlv.h"

#include "util/error.h"

namespace sesame::card {

void append_tlv(Bytes& out, std::uint32_t tag, ByteView value) {
  bool started = false;
  for (int s = 24; s >= 0; s -= 8) {
    const auto b = static_cast<std::uint8_t>(tag >> s);
    if (b != 0 || started || s == 0) {
      out.push_back(b);
      started = true;
    }
  }
  const std::size_t n = value.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n < 0x100) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n < 0x10000) {
    out.push_back(0x82);
    put_u16(out, static_cast<std::uint16_t>(n));
  } else {
    fail(Errc::invalid_argument, "TLV value above 65535 bytes");
  }
  append(out, value);
}

Bytes tlv(std::uint32_t tag, ByteView value) {
  Bytes out;
  append_tlv(out, tag, value);
  return out;
}

std::vector<TlvItem> parse_tlv_list(ByteView data) {
  std::vector<TlvItem> items;
  std::size_t i = 0;
  auto need = [&](std::size_t n) {
    if (data.size() - i < n) fail(Errc::parse, "truncated TLV");
  };
  while (i < data.size()) {
    need(1);
    std::uint32_t tag = data[i++];
    if ((tag & 0x1F) == 0x1F) {
      int more = 0;
      do {
        need(1);
        if (++more > 2) fail(Errc::parse, "TLV tag longer than 3 bytes");
        tag = (tag << 8) | data[i];
      } while (data[i++] & 0x80);
    }
    need(1);
    std::size_t len = data[i++];
    if (len & 0x80) {
      const std::size_t k = len & 0x7F;
      if (k == 0 || k > 3) fail(Errc::parse, "unsupported TLV length form");
      need(k);
      len = 0;
      for (std::size_t j = 0; j < k; ++j) len = (len << 8) | data[i++];
    }
    need(len);
    items.push_back({tag, data.subspan(i, len)});
    i += len;
  }
  return items;
}

}  // namespace sesame::card
