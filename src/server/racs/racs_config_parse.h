// Parsing of the [racs] table, for config.cpp only (it is the one other file that sees toml++).
#pragma once

#include <toml++/toml.h>

#include <string>

#include "server/racs/racs_config.h"

namespace sesame::server::racs {

// Reads the [racs] table into `cfg`. Error(Errc::parse) naming `source` and the key.
void parse_racs_config(const toml::table& table, const std::string& source, RacsConfig& cfg);

}  // namespace sesame::server::racs
