#include "iso7816/apdu.h"

#include <string>

#include "util/error.h"

namespace sesame::iso7816 {
namespace {

[[noreturn]] void bad(const std::string& why) { fail(Errc::parse, "APDU: " + why); }

std::size_t ext_len(ByteView b, std::size_t off) { return (std::size_t{b[off]} << 8) | b[off + 1]; }

}  // namespace

CommandApdu CommandApdu::parse(ByteView raw) {
  if (raw.size() < 4) bad("shorter than a header (" + std::to_string(raw.size()) + " bytes)");
  CommandApdu c;
  c.cla = raw[0];
  c.ins = raw[1];
  c.p1 = raw[2];
  c.p2 = raw[3];
  const std::size_t n = raw.size();
  if (n == 4) return c;  // case 1
  const std::size_t b4 = raw[4];
  if (n == 5) {  // case 2 short
    c.ne = b4 == 0 ? 256 : b4;
    return c;
  }
  if (b4 != 0) {  // short Lc
    const std::size_t lc = b4;
    if (n == 5 + lc) {
      c.data.assign(raw.begin() + 5, raw.end());
      return c;
    }
    if (n == 6 + lc) {
      c.data.assign(raw.begin() + 5, raw.begin() + 5 + static_cast<std::ptrdiff_t>(lc));
      c.ne = raw[n - 1] == 0 ? 256 : raw[n - 1];
      return c;
    }
    bad("Lc=" + std::to_string(lc) + " does not match " + std::to_string(n) + " bytes");
  }
  // b4 == 0: extended length fields
  c.extended = true;
  if (n < 7) bad("truncated extended length field");
  if (n == 7) {  // case 2 extended
    const std::size_t le = ext_len(raw, 5);
    c.ne = le == 0 ? 65536 : le;
    return c;
  }
  const std::size_t lc = ext_len(raw, 5);
  if (lc == 0) bad("extended Lc of zero");
  if (n == 7 + lc) {
    c.data.assign(raw.begin() + 7, raw.end());
    return c;
  }
  if (n == 9 + lc) {
    c.data.assign(raw.begin() + 7, raw.begin() + 7 + static_cast<std::ptrdiff_t>(lc));
    const std::size_t le = ext_len(raw, n - 2);
    c.ne = le == 0 ? 65536 : le;
    return c;
  }
  bad("extended Lc=" + std::to_string(lc) + " does not match " + std::to_string(n) + " bytes");
}

Bytes CommandApdu::encode() const {
  if (data.size() > 65535) fail(Errc::invalid_argument, "APDU: Nc above 65535");
  if (ne > 65536) fail(Errc::invalid_argument, "APDU: Ne above 65536");
  const bool ext = extended || data.size() > 255 || ne > 256;
  Bytes out{cla, ins, p1, p2};
  if (!ext) {
    if (!data.empty()) {
      out.push_back(static_cast<std::uint8_t>(data.size()));
      append(out, data);
    }
    if (ne) out.push_back(static_cast<std::uint8_t>(ne == 256 ? 0 : ne));
    return out;
  }
  if (data.empty() && ne == 0) return out;  // case 1 has no extended form
  out.push_back(0);
  if (!data.empty()) {
    put_u16(out, static_cast<std::uint16_t>(data.size()));
    append(out, data);
  }
  if (ne) put_u16(out, static_cast<std::uint16_t>(ne == 65536 ? 0 : ne));
  return out;
}

int CommandApdu::apdu_case() const {
  if (data.empty()) return ne ? 2 : 1;
  return ne ? 4 : 3;
}

namespace {
bool further_interindustry(std::uint8_t cla) { return (cla & 0x40) != 0; }
}  // namespace

int CommandApdu::channel() const {
  if (cla == 0xFF) return -1;
  if ((cla & 0x60) == 0x20) return -1;  // 001x xxxx is reserved
  return further_interindustry(cla) ? 4 + (cla & 0x0F) : (cla & 0x03);
}

bool CommandApdu::chained() const { return cla != 0xFF && (cla & 0x10) != 0; }

bool CommandApdu::secure_messaging() const {
  if (cla == 0xFF) return false;
  return further_interindustry(cla) ? (cla & 0x20) != 0 : (cla & 0x0C) != 0;
}

std::uint8_t cla_with_channel(std::uint8_t cla, int channel) {
  const std::uint8_t keep = cla & 0x80;  // proprietary bit
  if (channel < 4) return static_cast<std::uint8_t>(keep | (cla & 0x1C) | channel);
  const std::uint8_t sm = (cla & 0x0C) ? 0x20 : (cla & 0x20);
  return static_cast<std::uint8_t>(keep | 0x40 | sm | (cla & 0x10) | ((channel - 4) & 0x0F));
}

ResponseApdu ResponseApdu::parse(ByteView raw) {
  if (raw.size() < 2) fail(Errc::parse, "response APDU shorter than SW1 SW2");
  ResponseApdu r;
  r.data.assign(raw.begin(), raw.end() - 2);
  r.sw = get_u16(raw, raw.size() - 2);
  return r;
}

Bytes ResponseApdu::encode() const {
  Bytes out = data;
  put_u16(out, sw);
  return out;
}

}  // namespace sesame::iso7816
