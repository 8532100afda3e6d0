#include "card/applet_registry.h"

#include "util/error.h"

namespace sesame::card {

void AppletRegistry::add(AppletModule module) {
  auto aid_ok = [](const Bytes& aid) { return aid.size() >= 5 && aid.size() <= 16; };
  if (module.name.empty() || find(module.name)) fail(Errc::invalid_argument, "applet module name empty or taken: " + module.name);
  if (!aid_ok(module.load_file_aid) || !aid_ok(module.module_aid) || !aid_ok(module.default_instance_aid))
    fail(Errc::invalid_argument, "applet module " + module.name + ": AIDs must be 5-16 bytes");
  if (!module.factory) fail(Errc::invalid_argument, "applet module " + module.name + " has no factory");
  modules_.push_back(std::move(module));
}

const AppletModule* AppletRegistry::find(std::string_view name) const {
  for (const auto& m : modules_)
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace sesame::card
