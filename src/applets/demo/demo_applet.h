// The demo applet ("sesame.demo"): a small real applet for a new user to talk to, exercising the
// runtime — a PIN with a PUK, a file system, a transactional counter and GET CHALLENGE.
// Instruction set: docs/CARD-RUNTIME.md, "The demo applet".
#pragma once

#include <memory>

#include "card/applet.h"
#include "card/applet_registry.h"

namespace sesame::applets::demo {

inline constexpr const char* kModuleName = "sesame.demo";

// File identifiers.
inline constexpr std::uint16_t kEfInfo = 0x0101;    // SFI 1, transparent, read always
inline constexpr std::uint16_t kEfSecret = 0x0102;  // SFI 2, transparent, read/update after PIN
inline constexpr std::uint16_t kEfLog = 0x0103;     // SFI 3, linear variable, read always, append after PIN

// Personalisation DGIs (GP STORE DATA after INSTALL [for personalization]).
inline constexpr std::uint16_t kDgiSecret = 0x0102;     // EF 0102 content, 1-32 bytes
inline constexpr std::uint16_t kDgiLogRecord = 0x0103;  // one record appended to EF 0103, 1-32 bytes
inline constexpr std::uint16_t kDgiCounter = 0x0200;    // the 4-byte counter
inline constexpr std::uint16_t kDgiPin = 0x8101;        // new PIN (4-8 digits), encrypted only
inline constexpr std::uint16_t kDgiPuk = 0x8102;        // new PUK (8 digits), encrypted only

// Default personalisation when the install parameters carry none.
inline constexpr const char* kDefaultPin = "1234";
inline constexpr const char* kDefaultPuk = "12345678";

card::AppletModule module();
std::unique_ptr<card::Applet> make_demo_applet();

}  // namespace sesame::applets::demo
