// The EUDI wallet secure cryptographic application ("sesame.wsca"): one instance holds wallet
// units, each with its device key, PIN, PUK, keys and pseudonym data objects, isolated from each
// other. Instruction set, PIN encryption and erasure: docs/WSCA.md.
#pragma once

#include <memory>

#include "card/applet.h"
#include "card/applet_registry.h"

namespace sesame::applets::wsca {

inline constexpr const char* kModuleName = "sesame.wsca";

card::AppletModule module();
std::unique_ptr<card::Applet> make_wsca_applet();

}  // namespace sesame::applets::wsca
