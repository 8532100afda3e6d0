// BER-TLV data objects as ISO/IEC 7816-4 §5.2 and ISO/IEC 8825-1 (BER/DER) define them, restricted
// to what smart cards use: tags of 1 to 3 bytes, definite lengths of up to 4 length bytes.
//
// A tag is kept as the big-endian value of its bytes: 0x50, 0x5F20, 0x9F7F, 0x7F49, 0xBF0C,
// 0x5F8101. Constructed objects are parsed eagerly: their children are available at once and
// their value() still holds the exact bytes that were read, so re-encoding a parsed object
// reproduces the card's bytes inside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "util/bytes.h"

namespace sesame {

enum class TagClass : std::uint8_t { universal = 0, application = 1, context = 2, private_ = 3 };

enum class TlvMode {
  // BER as cards send it: non-minimal lengths (81 05) and tags are accepted, and '00' bytes
  // before, between and after objects are skipped (EMV Book 3 Annex B1, ISO/IEC 7816-4 §5.2).
  lenient,
  // DER: minimal length and tag encodings, no padding anywhere.
  strict,
};

// Constructed objects nested deeper than this are refused (a hostile card cannot exhaust the stack).
inline constexpr std::size_t kTlvMaxDepth = 16;

// Tag helpers. They take any value; tag_valid() says whether it is a well-formed 1..3 byte tag.
bool tag_valid(std::uint32_t tag) noexcept;
std::size_t tag_size(std::uint32_t tag) noexcept;  // 1, 2 or 3 (by magnitude)
TagClass tag_class(std::uint32_t tag) noexcept;     // b8-b7 of the first byte
bool tag_constructed(std::uint32_t tag) noexcept;   // b6 of the first byte
std::uint32_t tag_number(std::uint32_t tag) noexcept;

// Encoders. They throw Error(Errc::invalid_argument) for a malformed tag or a length above 2^32-1.
// Lengths are always encoded minimally (DER), so the output parses in strict mode.
Bytes encode_tag(std::uint32_t tag);
Bytes encode_length(std::size_t n);
Bytes tlv_encode(std::uint32_t tag, ByteView value);
void append_tlv(Bytes& out, std::uint32_t tag, ByteView value);

class Tlv {
 public:
  Tlv() = default;  // tag 0: an empty, invalid placeholder (never produced by the parser)

  // An object with the given value. For a constructed tag the value is parsed into children
  // (lenient BER); throws Error(Errc::parse) if it is not a well-formed TLV sequence, and
  // Error(Errc::invalid_argument) for a malformed tag.
  Tlv(std::uint32_t tag, ByteView value);

  // A constructed object built from children; its value is their concatenated encodings.
  // Throws Error(Errc::invalid_argument) if `tag` is not a constructed tag.
  static Tlv constructed(std::uint32_t tag, std::vector<Tlv> children);

  std::uint32_t tag() const noexcept { return tag_; }
  TagClass tag_class() const noexcept { return sesame::tag_class(tag_); }
  bool is_constructed() const noexcept { return tag_constructed(tag_); }

  const Bytes& value() const noexcept { return value_; }
  const std::vector<Tlv>& children() const noexcept { return children_; }

  // Direct children only; nullptr / empty when absent (and always for primitive objects).
  const Tlv* find(std::uint32_t tag) const noexcept;
  std::vector<const Tlv*> find_all(std::uint32_t tag) const;
  // Depth-first search of every descendant (EMV kernels look up 9F38 wherever it sits in an FCI).
  const Tlv* find_deep(std::uint32_t tag) const noexcept;
  // find() that throws Error(Errc::parse, "... mandatory tag 84 missing") when absent.
  const Tlv& require(std::uint32_t tag) const;
  // Follows a path of direct children: fci.find_path({0xA5, 0xBF0C, 0x61}).
  const Tlv* find_path(std::initializer_list<std::uint32_t> path) const noexcept;

  // tag || length (minimal) || value.
  Bytes encode() const;
  void encode_to(Bytes& out) const;

  bool operator==(const Tlv& other) const = default;

 private:
  friend struct TlvParser;
  std::uint32_t tag_ = 0;
  Bytes value_;
  std::vector<Tlv> children_;
};

// The header of the object at the start of `data`, without requiring its value to be present
// (read the first bytes of an EF to learn how much more to read).
struct TlvHeader {
  std::uint32_t tag = 0;
  std::size_t header_size = 0;  // tag and length bytes
  std::size_t value_size = 0;
  std::size_t total_size() const noexcept { return header_size + value_size; }
};
TlvHeader parse_tlv_header(ByteView data, TlvMode mode = TlvMode::lenient);

// A sequence of objects filling `data` exactly (lenient mode: up to '00' padding).
// Throws Error(Errc::parse) on truncation, an indefinite (80) or overlong length, a malformed tag,
// nesting deeper than kTlvMaxDepth, or (strict) non-minimal encodings and padding.
std::vector<Tlv> parse_tlv(ByteView data, TlvMode mode = TlvMode::lenient);

// Exactly one object filling `data` (lenient mode: up to '00' padding); anything else is refused.
Tlv parse_one(ByteView data, TlvMode mode = TlvMode::lenient);

// The first object of `data` and how many bytes it used (leading '00' padding included in
// lenient mode); bytes after it are not examined.
Tlv parse_first(ByteView data, std::size_t& consumed, TlvMode mode = TlvMode::lenient);

// Search a parsed sequence's top level.
const Tlv* find_tlv(const std::vector<Tlv>& seq, std::uint32_t tag) noexcept;

// Concatenated encodings.
Bytes encode_tlvs(const std::vector<Tlv>& seq);

}  // namespace sesame
