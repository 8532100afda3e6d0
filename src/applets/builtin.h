// Registers the applets built into sesame with a registry (the server and CLI call this once at
// start). card/ never includes applets/: this is the one place that joins them.
#pragma once

#include "card/applet_registry.h"

namespace sesame::applets {

void register_builtin_applets(card::AppletRegistry& registry);
// A registry holding exactly the built-in applets.
card::AppletRegistry builtin_registry();

}  // namespace sesame::applets
