// Where the PKCS#11 module finds its cards (docs/WSCA.md, "PKCS#11 module"):
//   SESAME_PKCS11_CONFIG=<file>   a TOML file: state_dir = "...", card = "..." (optional)
//   SESAME_PKCS11_STATE_DIR=<dir> the state dir directly (card "wsca")
// The config file wins when both are set. The state dir has sesamed's layout (master.key,
// sesame.db); the module keeps its device keys in <state_dir>/pkcs11/.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace sesame::pkcs11 {

struct ModuleConfig {
  std::filesystem::path state_dir;
  std::string card = "wsca";  // the SEID of the card holding the WSCA applet (created if missing)
};

// Throws Error(Errc::not_found) when neither variable is set, Error(Errc::parse) for a bad file.
ModuleConfig load_module_config();
// The TOML text of a config file (for tests and the fuzz target).
ModuleConfig parse_module_config(std::string_view toml_text);

}  // namespace sesame::pkcs11
