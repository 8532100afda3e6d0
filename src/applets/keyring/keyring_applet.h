// The keyring signature-creation applet ("sesame.keyring", DESIGN.md: keyring-scd). One instance
// holds many keyrings, each with its life cycle (created -> active -> locked, destroyed = erased),
// the SPAKE2+ record of its activation code and then of the holder's PIN, a durable try counter,
// and a P-256 signing key generated here and stored wrapped under a key that needs the platform
// secret AND the holder's unlock secret. Instruction set: docs/SIGNING.md "keyring-scd".
#pragma once

#include <memory>

#include "card/applet.h"
#include "card/applet_registry.h"

namespace sesame::applets::keyring {

inline constexpr const char* kModuleName = "sesame.keyring";

card::AppletModule module();
std::unique_ptr<card::Applet> make_keyring_applet();

}  // namespace sesame::applets::keyring
