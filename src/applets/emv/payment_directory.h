// Where the PPSE gets its directory from. Today: the entries personalised into the PPSE at install
// (an applet cannot see the card's registry). The GlobalPlatform contactless registry
// (ACTIVATED / DEACTIVATED / NON_ACTIVATABLE) will be another PaymentDirectory that filters; the
// PPSE does not change.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "card/applet.h"
#include "util/bytes.h"

namespace sesame::applets::emv {

// One Directory Entry (Book B / Book C-2: template '61' in 'BF0C').
struct DirectoryEntry {
  Bytes aid;              // 4F
  std::string label;      // 50
  std::uint8_t priority;  // 87 (1..15; 0 = none)
};

class PaymentDirectory {
 public:
  virtual ~PaymentDirectory() = default;
  // The entries to announce now, in order.
  virtual std::vector<DirectoryEntry> entries(card::AppletContext& ctx) const = 0;
};

// Entries stored in the PPSE's own record "dir" (a sequence of '61' templates).
class PersonalisedDirectory final : public PaymentDirectory {
 public:
  std::vector<DirectoryEntry> entries(card::AppletContext& ctx) const override;
  // Install parameters: JSON {"applications": [{"aid": hex, "label": text, "priority": n}, ...]};
  // empty parameters announce the Mastercard AID A0000000041010. Throws Error(Errc::parse /
  // invalid_argument) for anything else.
  static void personalise(card::AppletContext& ctx, ByteView install_params);
};

}  // namespace sesame::applets::emv
