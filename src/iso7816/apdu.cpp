#include "iso7816/apdu.h"

#include <string>

#include "util/error.h"
#include "util/hex.h"

namespace sesame::iso7816 {
namespace {

[[noreturn]] void bad(const std::string& why) { fail(Errc::parse, "APDU: " + why); }

std::size_t ext_len(ByteView b, std::size_t off) { return get_u16(b, off); }

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
  if (channel < 0 || channel > 19)
    fail(Errc::invalid_argument, "APDU: logical channel " + std::to_string(channel) + " outside 0..19");
  if (cla == 0xFF || (cla & 0x60) == 0x20)
    fail(Errc::invalid_argument, "APDU: CLA " + to_hex(ByteView(&cla, 1)) + " has no logical channel coding");
  // ISO/IEC 7816-4 §5.4.1: in the further interindustry class b4-b1 are the channel and b6 the
  // SM indication, so they must be read from the right bits before the class changes.
  const bool further = further_interindustry(cla);
  const auto proprietary = static_cast<std::uint8_t>(cla & 0x80);
  const auto chaining = static_cast<std::uint8_t>(cla & 0x10);
  const bool sm = further ? (cla & 0x20) != 0 : (cla & 0x0C) != 0;
  if (channel < 4) {
    // Further SM (b6) is "SM per §6, header not processed": 10 in the first class's b4-b3, or
    // GlobalPlatform's 01 under a proprietary class (84 <-> E0, GP Card Spec §11.1.4).
    std::uint8_t sm_bits = cla & 0x0C;
    if (further) sm_bits = sm ? (proprietary ? 0x04 : 0x08) : 0x00;
    return static_cast<std::uint8_t>(proprietary | chaining | sm_bits | channel);
  }
  const auto out = static_cast<std::uint8_t>(proprietary | 0x40 | (sm ? 0x20 : 0x00) | chaining | (channel - 4));
  if (out == 0xFF) fail(Errc::invalid_argument, "APDU: proprietary SM chained command on channel 19 would be CLA FF");
  return out;
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
