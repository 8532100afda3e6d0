// sesame's EMV contactless payment applets: the PPSE (2PAY.SYS.DDF01) and an M/Chip-style payment
// application (Mastercard AID A0000000041010 by default). Instruction set, data objects and the
// personalisation profile: docs/EMV.md.
#pragma once

#include <memory>

#include "card/applet.h"
#include "card/applet_registry.h"

namespace sesame::applets::emv {

inline constexpr const char* kPpseModule = "sesame.emv.ppse";
inline constexpr const char* kPaymentModule = "sesame.emv.payment";
// The Contactless Registry Service application (GP Amendment C): activation and deactivation by
// the wallet. Its default instance is the CRS AID A00000015143525300.
inline constexpr const char* kCrsModule = "sesame.gp.crs";
inline const Bytes kCrsAid{0xA0, 0x00, 0x00, 0x01, 0x51, 0x43, 0x52, 0x53, 0x00};

// "2PAY.SYS.DDF01" (EMV Book B / Book C-2: Proximity Payment System Environment).
inline const Bytes kPpseAid{'2', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1'};
inline const Bytes kMastercardAid{0xA0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10};

card::AppletModule ppse_module();
card::AppletModule payment_module();
card::AppletModule crs_module();
// Adds the three modules (applets::register_builtin_applets calls it).
void register_modules(card::AppletRegistry& registry);

std::unique_ptr<card::Applet> make_ppse_applet();
std::unique_ptr<card::Applet> make_payment_applet();
std::unique_ptr<card::Applet> make_crs_applet();

}  // namespace sesame::applets::emv
