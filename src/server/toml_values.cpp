#include "server/toml_values.h"

#include "util/error.h"

namespace sesame::server::cfg {

void bad(const std::string& source, const std::string& key, const std::string& why) {
  fail(Errc::parse, source + ": " + key + ": " + why);
}

std::string get_string(const toml::node& node, const std::string& source, const std::string& key) {
  auto v = node.value<std::string>();
  if (!node.is_string() || !v) bad(source, key, "expected a string");
  return *v;
}

bool get_bool(const toml::node& node, const std::string& source, const std::string& key) {
  if (!node.is_boolean()) bad(source, key, "expected true or false");
  return *node.value<bool>();
}

std::int64_t get_int(const toml::node& node, const std::string& source, const std::string& key, std::int64_t lo,
                     std::int64_t hi) {
  if (!node.is_integer()) bad(source, key, "expected an integer");
  const std::int64_t v = *node.value<std::int64_t>();
  if (v < lo || v > hi) bad(source, key, "expected " + std::to_string(lo) + ".." + std::to_string(hi));
  return v;
}

const toml::table& get_table(const toml::node& node, const std::string& source, const std::string& key) {
  if (!node.is_table()) bad(source, key, "expected a table [" + key + "]");
  return *node.as_table();
}

std::filesystem::path get_path(const toml::node& node, const std::string& source, const std::string& key) {
  std::string s = get_string(node, source, key);
  if (s.empty()) bad(source, key, "must not be empty");
  if (s.find('\0') != std::string::npos) bad(source, key, "contains a NUL character");
  return std::filesystem::path(s);
}

}  // namespace sesame::server::cfg
