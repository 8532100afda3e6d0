// Reading typed values out of sesamed's TOML configuration, for the config parsers only (the files
// that see toml++). Every failure is Error(Errc::parse) "<source>: <key>: why".
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace sesame::server::cfg {

[[noreturn]] void bad(const std::string& source, const std::string& key, const std::string& why);
std::string get_string(const toml::node& node, const std::string& source, const std::string& key);
bool get_bool(const toml::node& node, const std::string& source, const std::string& key);
std::int64_t get_int(const toml::node& node, const std::string& source, const std::string& key, std::int64_t lo,
                     std::int64_t hi);
const toml::table& get_table(const toml::node& node, const std::string& source, const std::string& key);
// A non-empty string without NUL, as a path (callers resolve it against the state dir).
std::filesystem::path get_path(const toml::node& node, const std::string& source, const std::string& key);

}  // namespace sesame::server::cfg
