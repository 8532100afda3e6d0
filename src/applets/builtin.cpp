#include "applets/builtin.h"

#include "applets/demo/demo_applet.h"
#include "applets/eid/eid_applet.h"
#include "applets/emv/emv_applets.h"
#include "applets/keyring/keyring_applet.h"
#include "applets/wsca/wsca_applet.h"

namespace sesame::applets {

void register_builtin_applets(card::AppletRegistry& registry) {
  registry.add(demo::module());
  registry.add(eid::module());
  emv::register_modules(registry);
  registry.add(wsca::module());
  registry.add(keyring::module());
}

card::AppletRegistry builtin_registry() {
  card::AppletRegistry r;
  register_builtin_applets(r);
  return r;
}

}  // namespace sesame::applets
