#include "pkcs11/module_config.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace sesame::pkcs11 {

ModuleConfig parse_module_config(std::string_view text) {
  toml::table t;
  try {
    t = toml::parse(text);
  } catch (const toml::parse_error& e) {
    fail(Errc::parse, std::string("PKCS#11 config: ") + std::string(e.description()));
  }
  ModuleConfig c;
  for (const auto& [key, value] : t) {
    if (key == "state_dir" && value.is_string()) {
      c.state_dir = *value.value<std::string>();
    } else if (key == "card" && value.is_string()) {
      c.card = *value.value<std::string>();
    } else {
      fail(Errc::parse, "PKCS#11 config: unknown or mistyped key '" + std::string(key.str()) + "'");
    }
  }
  if (c.state_dir.empty()) fail(Errc::parse, "PKCS#11 config: state_dir is required");
  if (c.card.empty()) fail(Errc::parse, "PKCS#11 config: card must not be empty");
  return c;
}

ModuleConfig load_module_config() {
  if (const char* file = std::getenv("SESAME_PKCS11_CONFIG"); file && *file) {
    std::ifstream in(file);
    if (!in) fail(Errc::not_found, "PKCS#11 config file not readable");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_module_config(ss.str());
  }
  if (const char* dir = std::getenv("SESAME_PKCS11_STATE_DIR"); dir && *dir) {
    ModuleConfig c;
    c.state_dir = dir;
    return c;
  }
  fail(Errc::not_found, "PKCS#11: set SESAME_PKCS11_CONFIG or SESAME_PKCS11_STATE_DIR");
}

}  // namespace sesame::pkcs11
