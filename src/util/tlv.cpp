#include "util/tlv.h"

#include <cstdio>
#include <string>

#include "util/error.h"

namespace sesame {
namespace {

std::string tag_hex(std::uint32_t tag) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*X", static_cast<int>(2 * tag_size(tag)), static_cast<unsigned>(tag));
  return buf;
}

std::uint8_t tag_first_byte(std::uint32_t tag) noexcept {
  return static_cast<std::uint8_t>(tag >> (8 * (tag_size(tag) - 1)));
}

std::size_t length_size(std::size_t n) noexcept {
  if (n < 0x80) return 1;
  if (n <= 0xFF) return 2;
  if (n <= 0xFFFF) return 3;
  if (n <= 0xFFFFFF) return 4;
  return 5;
}

}  // namespace

// ISO/IEC 7816-4 §5.2.2.1 and ISO/IEC 8825-1 §8.1.2: the first byte's b5-b1 = 11111 announces
// subsequent bytes, each with b8 = 1 except the last. A first subsequent byte of '80' (a leading
// zero) or '00' (tag number 0) is invalid in BER too. Second bytes '01'..'1E' (numbers below 31 in
// the long form) are invalid in DER but EMV uses them (9F02, 9F1A), so only strict mode refuses them.
bool tag_valid(std::uint32_t tag) noexcept {
  if (tag == 0 || tag > 0xFFFFFF) return false;
  const std::size_t n = tag_size(tag);
  const auto b0 = tag_first_byte(tag);
  if (n == 1) return (b0 & 0x1F) != 0x1F;
  if ((b0 & 0x1F) != 0x1F) return false;
  const auto b1 = static_cast<std::uint8_t>(tag >> (8 * (n - 2)));
  if (b1 == 0x00 || b1 == 0x80) return false;
  if (n == 2) return (b1 & 0x80) == 0;
  const auto b2 = static_cast<std::uint8_t>(tag);
  return (b1 & 0x80) != 0 && (b2 & 0x80) == 0;
}

std::size_t tag_size(std::uint32_t tag) noexcept {
  if (tag <= 0xFF) return 1;
  if (tag <= 0xFFFF) return 2;
  return 3;
}

TagClass tag_class(std::uint32_t tag) noexcept { return static_cast<TagClass>(tag_first_byte(tag) >> 6); }

bool tag_constructed(std::uint32_t tag) noexcept { return (tag_first_byte(tag) & 0x20) != 0; }

std::uint32_t tag_number(std::uint32_t tag) noexcept {
  switch (tag_size(tag)) {
    case 1: return tag & 0x1F;
    case 2: return tag & 0x7F;
    default: return (((tag >> 8) & 0x7F) << 7) | (tag & 0x7F);
  }
}

Bytes encode_tag(std::uint32_t tag) {
  if (!tag_valid(tag)) fail(Errc::invalid_argument, "BER-TLV: malformed tag " + tag_hex(tag));
  Bytes out;
  for (std::size_t i = tag_size(tag); i-- > 0;) out.push_back(static_cast<std::uint8_t>(tag >> (8 * i)));
  return out;
}

Bytes encode_length(std::size_t n) {
  if (n > 0xFFFFFFFFu) fail(Errc::invalid_argument, "BER-TLV: length " + std::to_string(n) + " above 2^32-1");
  const std::size_t size = length_size(n);
  if (size == 1) return Bytes{static_cast<std::uint8_t>(n)};
  Bytes out{static_cast<std::uint8_t>(0x80 | (size - 1))};
  for (std::size_t i = size - 1; i-- > 0;) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  return out;
}

void append_tlv(Bytes& out, std::uint32_t tag, ByteView value) {
  append(out, encode_tag(tag));
  append(out, encode_length(value.size()));
  append(out, value);
}

Bytes tlv_encode(std::uint32_t tag, ByteView value) {
  Bytes out;
  out.reserve(tag_size(tag) + length_size(value.size()) + value.size());
  append_tlv(out, tag, value);
  return out;
}

// The parser works on absolute offsets into the caller's buffer so every error names the byte.
struct TlvParser {
  ByteView data;
  TlvMode mode;

  [[noreturn]] static void bad(std::size_t at, const std::string& why) {
    fail(Errc::parse, "BER-TLV: " + why + " at offset " + std::to_string(at));
  }

  bool strict() const { return mode == TlvMode::strict; }

  // Skips '00' padding (lenient) or refuses it (strict). Returns false when [pos, end) is exhausted.
  bool skip_padding(std::size_t& pos, std::size_t end) const {
    if (!strict())
      while (pos < end && data[pos] == 0x00) ++pos;
    return pos < end;
  }

  std::uint32_t read_tag(std::size_t& pos, std::size_t end) const {
    const std::size_t start = pos;
    if (pos >= end) bad(start, "truncated tag");
    const std::uint8_t b0 = data[pos++];
    if (b0 == 0x00) bad(start, strict() ? "padding or tag 00 not allowed in DER" : "invalid tag 00");
    std::uint32_t tag = b0;
    if ((b0 & 0x1F) == 0x1F) {
      for (std::size_t i = 1;; ++i) {
        if (i == 3) bad(start, "tag longer than 3 bytes");
        if (pos >= end) bad(start, "truncated tag");
        const std::uint8_t b = data[pos++];
        tag = (tag << 8) | b;
        if ((b & 0x80) == 0) break;
      }
    }
    if (!tag_valid(tag)) bad(start, "malformed tag " + tag_hex(tag));
    if (strict() && tag_size(tag) > 1 && tag_number(tag) < 31)
      bad(start, "non-minimal tag " + tag_hex(tag) + " in DER");
    return tag;
  }

  std::size_t read_length(std::size_t& pos, std::size_t end) const {
    const std::size_t start = pos;
    if (pos >= end) bad(start, "truncated length");
    const std::uint8_t b = data[pos++];
    if (b < 0x80) return b;
    if (b == 0x80) bad(start, "indefinite length (80) not allowed");
    const std::size_t n = b & 0x7F;
    if (n > 4) bad(start, "length field of " + std::to_string(n) + " bytes (at most 4)");
    if (end - pos < n) bad(start, "truncated length");
    std::size_t len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | data[pos++];
    if (strict() && length_size(len) != n + 1)
      bad(start, "non-minimal length encoding of " + std::to_string(len) + " in DER");
    return len;
  }

  TlvHeader header(std::size_t pos, std::size_t end) const {
    TlvHeader h;
    const std::size_t start = pos;
    h.tag = read_tag(pos, end);
    h.value_size = read_length(pos, end);
    h.header_size = pos - start;
    return h;
  }

  // One object starting at `pos` (no padding there), nested `depth` levels deep (top level = 1).
  Tlv object(std::size_t& pos, std::size_t end, std::size_t depth) const {
    const std::size_t start = pos;
    Tlv t;
    t.tag_ = read_tag(pos, end);
    const std::size_t len = read_length(pos, end);
    if (len > end - pos)
      bad(start, "value of tag " + tag_hex(t.tag_) + " declares " + std::to_string(len) + " bytes, only " +
                     std::to_string(end - pos) + " left");
    t.value_.assign(data.begin() + static_cast<std::ptrdiff_t>(pos),
                    data.begin() + static_cast<std::ptrdiff_t>(pos + len));
    if (tag_constructed(t.tag_)) t.children_ = sequence(pos, pos + len, depth + 1);
    pos += len;
    return t;
  }

  std::vector<Tlv> sequence(std::size_t pos, std::size_t end, std::size_t depth) const {
    std::vector<Tlv> out;
    while (skip_padding(pos, end)) {
      if (depth > kTlvMaxDepth) bad(pos, "nesting deeper than " + std::to_string(kTlvMaxDepth) + " levels");
      out.push_back(object(pos, end, depth));
    }
    return out;
  }
};

Tlv::Tlv(std::uint32_t tag, ByteView value) : tag_(tag), value_(value.begin(), value.end()) {
  if (!tag_valid(tag)) fail(Errc::invalid_argument, "BER-TLV: malformed tag " + tag_hex(tag));
  if (tag_constructed(tag)) children_ = TlvParser{value_, TlvMode::lenient}.sequence(0, value_.size(), 2);
}

Tlv Tlv::constructed(std::uint32_t tag, std::vector<Tlv> children) {
  if (!tag_valid(tag) || !tag_constructed(tag))
    fail(Errc::invalid_argument, "BER-TLV: " + tag_hex(tag) + " is not a constructed tag");
  Tlv t;
  t.tag_ = tag;
  t.value_ = encode_tlvs(children);
  t.children_ = std::move(children);
  return t;
}

const Tlv* Tlv::find(std::uint32_t tag) const noexcept { return find_tlv(children_, tag); }

std::vector<const Tlv*> Tlv::find_all(std::uint32_t tag) const {
  std::vector<const Tlv*> out;
  for (const auto& c : children_)
    if (c.tag_ == tag) out.push_back(&c);
  return out;
}

const Tlv* Tlv::find_deep(std::uint32_t tag) const noexcept {
  for (const auto& c : children_) {
    if (c.tag_ == tag) return &c;
    if (const Tlv* hit = c.find_deep(tag)) return hit;
  }
  return nullptr;
}

const Tlv& Tlv::require(std::uint32_t tag) const {
  const Tlv* t = find(tag);
  if (!t) fail(Errc::parse, "BER-TLV: mandatory tag " + tag_hex(tag) + " missing in " + tag_hex(tag_));
  return *t;
}

const Tlv* Tlv::find_path(std::initializer_list<std::uint32_t> path) const noexcept {
  const Tlv* at = this;
  for (std::uint32_t tag : path) {
    at = at->find(tag);
    if (!at) return nullptr;
  }
  return at;
}

void Tlv::encode_to(Bytes& out) const { append_tlv(out, tag_, value_); }

Bytes Tlv::encode() const { return tlv_encode(tag_, value_); }

TlvHeader parse_tlv_header(ByteView data, TlvMode mode) { return TlvParser{data, mode}.header(0, data.size()); }

std::vector<Tlv> parse_tlv(ByteView data, TlvMode mode) { return TlvParser{data, mode}.sequence(0, data.size(), 1); }

Tlv parse_first(ByteView data, std::size_t& consumed, TlvMode mode) {
  const TlvParser p{data, mode};
  std::size_t pos = 0;
  if (!p.skip_padding(pos, data.size())) TlvParser::bad(pos, "no data object");
  Tlv t = p.object(pos, data.size(), 1);
  consumed = pos;
  return t;
}

Tlv parse_one(ByteView data, TlvMode mode) {
  const TlvParser p{data, mode};
  std::size_t pos = 0;
  Tlv t = parse_first(data, pos, mode);
  if (p.skip_padding(pos, data.size()))
    TlvParser::bad(pos, std::to_string(data.size() - pos) + " trailing bytes after tag " + tag_hex(t.tag()));
  return t;
}

const Tlv* find_tlv(const std::vector<Tlv>& seq, std::uint32_t tag) noexcept {
  for (const auto& t : seq)
    if (t.tag() == tag) return &t;
  return nullptr;
}

Bytes encode_tlvs(const std::vector<Tlv>& seq) {
  Bytes out;
  for (const auto& t : seq) t.encode_to(out);
  return out;
}

}  // namespace sesame
