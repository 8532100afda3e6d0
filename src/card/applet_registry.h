// The applet modules a card can instantiate: module name -> load file AID, module AID, factory.
// Every card of a CardService shares one registry; it is filled before the service starts and
// read-only afterwards. The built-in applets register themselves with
// applets::register_builtin_applets() (src/applets/builtin.h), so card/ never depends on applets/.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "card/applet.h"
#include "util/bytes.h"

namespace sesame::card {

struct AppletModule {
  std::string name;                  // "sesame.demo"
  Bytes load_file_aid;               // GP Executable Load File AID
  Bytes module_aid;                  // GP Executable Module AID
  Bytes default_instance_aid;        // suggested instance AID for INSTALL
  bool multi_selectable = false;     // may be selected on several logical channels at once
  std::function<std::unique_ptr<Applet>()> factory;
};

class AppletRegistry {
 public:
  // Throws Error(Errc::invalid_argument) for a duplicate name, an AID outside 5-16 bytes or no
  // factory.
  void add(AppletModule module);
  const AppletModule* find(std::string_view name) const;
  const std::vector<AppletModule>& modules() const { return modules_; }

 private:
  std::vector<AppletModule> modules_;
};

}  // namespace sesame::card
