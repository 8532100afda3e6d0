// Parsing of the [http] table, for config.cpp only.
#pragma once

#include <toml++/toml.h>

#include <string>

#include "server/http/http_config.h"

namespace sesame::server::http {

void parse_http_config(const toml::table& table, const std::string& source, HttpConfig& cfg);

}  // namespace sesame::server::http
