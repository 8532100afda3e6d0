// GlobalPlatform life cycle bytes as the names GP Card Specification 2.3 §11.1.1 gives them.
#pragma once

#include <cstdint>
#include <string>

namespace sesame::cli {

// Card life cycle (GP §5.1.1): OP_READY, INITIALIZED, SECURED, CARD_LOCKED, TERMINATED.
std::string card_life_cycle_name(std::uint8_t code);
// Application life cycle (GP §5.3.1): INSTALLED, SELECTABLE, application-specific, LOCKED.
std::string applet_life_cycle_name(std::uint8_t code);

}  // namespace sesame::cli
