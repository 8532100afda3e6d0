// EMV Data Object Lists (EMV 4.3/4.4 Book 3 §5.4): a DOL is a list of (tag, length) pairs without
// values; the terminal answers it with the concatenated values, each cut or padded to its length.
// Shared by the card (which knows its own PDOL/CDOLs) and the POS kernel (which builds the data).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "util/bytes.h"

namespace sesame::iso7816::emv {

struct DolEntry {
  std::uint32_t tag = 0;
  std::size_t length = 0;
};

// Throws Error(Errc::parse) for a malformed tag or a truncated entry. Lengths are one byte (a DOL
// length above 255 does not exist in Book 3); a constructed tag is refused (Book 3 §5.4).
std::vector<DolEntry> parse_dol(ByteView dol);
std::size_t dol_data_length(const std::vector<DolEntry>& dol);

// Builds the DOL related data: for each entry the source's value, numeric ones ('n' format: amounts,
// dates, codes — told by `numeric`) left-padded with zeros / truncated on the left, others
// right-padded with zeros / truncated on the right; absent values become zeros (Book 3 §5.4).
using DolSource = std::function<std::optional<Bytes>(std::uint32_t tag)>;
Bytes build_dol_data(const std::vector<DolEntry>& dol, const DolSource& source);

// Whether Book 3 Annex A gives `tag` format n (numeric, right-justified). The kernel uses it to pad.
bool is_numeric_tag(std::uint32_t tag);

// The value of `tag` inside DOL related data built for `dol`, or nullopt. `data` must have the DOL's
// length (Error(Errc::parse) otherwise).
std::optional<Bytes> dol_value(const std::vector<DolEntry>& dol, ByteView data, std::uint32_t tag);

// Application File Locator (Book 3 §10.2): 4-byte entries SFI<<3, first, last, ODA count.
struct AflEntry {
  std::uint8_t sfi = 0;
  std::uint8_t first = 0;
  std::uint8_t last = 0;
  std::uint8_t oda_count = 0;
};
// Throws Error(Errc::parse) unless every entry is valid: SFI 1..30, first >= 1, last >= first,
// ODA count <= last - first + 1, and the length a multiple of 4.
std::vector<AflEntry> parse_afl(ByteView afl);

}  // namespace sesame::iso7816::emv
