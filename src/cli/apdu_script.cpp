#include "cli/apdu_script.h"

#include <cctype>

#include "util/error.h"
#include "util/hex.h"

namespace sesame::cli {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

ExpectedResponse parse_expected(std::string_view text) {
  std::string compact;
  for (char c : text)
    if (c != ' ' && c != '\t' && c != ':') compact.push_back(c);
  ExpectedResponse exp;
  if (compact.size() == 4) {
    for (char c : compact) {
      exp.sw = static_cast<std::uint16_t>(exp.sw << 4);
      exp.sw_mask = static_cast<std::uint16_t>(exp.sw_mask << 4);
      if (c == 'X' || c == 'x') continue;
      const int d = hex_digit(c);
      if (d < 0) fail(Errc::parse, "bad status word \"" + std::string(text) + "\"");
      exp.sw = static_cast<std::uint16_t>(exp.sw | d);
      exp.sw_mask = static_cast<std::uint16_t>(exp.sw_mask | 0xF);
    }
    return exp;
  }
  Bytes full = from_hex(compact);  // throws on bad hex
  if (full.size() < 2)
    fail(Errc::parse, "expected response \"" + std::string(text) + "\" is shorter than a status word");
  exp.sw = get_u16(full, full.size() - 2);
  exp.sw_mask = 0xFFFF;
  exp.full = std::move(full);
  return exp;
}

}  // namespace

bool ExpectedResponse::matches(ByteView response) const {
  if (response.size() < 2) return false;
  if (full) return Bytes(response.begin(), response.end()) == *full;
  const std::uint16_t got = get_u16(response, response.size() - 2);
  return (got & sw_mask) == (sw & sw_mask);
}

std::string ExpectedResponse::describe() const {
  if (full) return to_hex(*full);
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (int shift = 12; shift >= 0; shift -= 4)
    out.push_back(((sw_mask >> shift) & 0xF) ? digits[(sw >> shift) & 0xF] : 'X');
  return out;
}

std::vector<ScriptStep> parse_apdu_script(std::string_view text) {
  std::vector<ScriptStep> steps;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    ScriptStep step;
    step.line = line_no;
    std::string_view cmd = line, expected;
    if (auto semi = line.find(';'); semi != std::string_view::npos) {
      cmd = trim(line.substr(0, semi));
      expected = trim(line.substr(semi + 1));
      if (expected.empty()) fail(Errc::parse, "line " + std::to_string(line_no) + ": nothing after ';'");
    }
    try {
      step.command = from_hex(cmd);
      if (step.command.size() < 4) fail(Errc::parse, "a command APDU has at least 4 bytes");
      if (!expected.empty()) step.expected = parse_expected(expected);
    } catch (const Error& e) {
      fail(Errc::parse, "line " + std::to_string(line_no) + ": " + e.what());
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace sesame::cli
