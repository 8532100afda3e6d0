#include "applets/builtin.h"

#include "applets/demo/demo_applet.h"

namespace sesame::applets {

void register_builtin_applets(card::AppletRegistry& registry) { registry.add(demo::module()); }

card::AppletRegistry builtin_registry() {
  card::AppletRegistry r;
  register_builtin_applets(r);
  return r;
}

}  // namespace sesame::applets
