#include "host/gp/dgi_file.h"

#include <string>

#include "util/error.h"

namespace sesame::host::gp {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

[[noreturn]] void bad(int line, const char* what) { fail(Errc::parse, "DGI file line " + std::to_string(line) + ": " + what); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view next_word(std::string_view& s) {
  s = trim(s);
  std::size_t n = 0;
  while (n < s.size() && !space(s[n])) ++n;
  const std::string_view w = s.substr(0, n);
  s.remove_prefix(n);
  return w;
}

SecureBytes hex_value(std::string_view s, int line) {
  SecureBytes out;
  int high = -1;
  for (char c : s) {
    if (space(c)) continue;
    const int d = hex_digit(c);
    if (d < 0) bad(line, "value is not hex");
    if (high < 0) {
      high = d;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | d));
      high = -1;
    }
  }
  if (high >= 0) bad(line, "odd number of hex digits");
  return out;
}

DgiEntry parse_line(std::string_view s, int line) {
  DgiEntry e;
  e.line = line;
  const std::string_view tag = next_word(s);
  if (tag.size() != 4) bad(line, "the DGI must be 4 hex digits");
  for (char c : tag) {
    const int d = hex_digit(c);
    if (d < 0) bad(line, "the DGI must be 4 hex digits");
    e.tag = static_cast<std::uint16_t>(e.tag << 4 | d);
  }
  s = trim(s);
  if (s.substr(0, 3) == "enc" && (s.size() == 3 || space(s[3]))) {
    e.encrypt = true;
    s = trim(s.substr(3));
  }
  if (!s.empty() && s.front() == '"') {
    const std::size_t end = s.find('"', 1);
    if (end == std::string_view::npos) bad(line, "unterminated string");
    if (!trim(s.substr(end + 1)).empty()) bad(line, "text after the string");
    e.value = SecureBytes(ByteView(reinterpret_cast<const std::uint8_t*>(s.data() + 1), end - 1));
  } else {
    e.value = hex_value(s, line);
  }
  if (e.value.size() > 0xFFFF) bad(line, "value longer than 65535 bytes");
  return e;
}

}  // namespace

std::vector<DgiEntry> parse_dgi_file(std::string_view text) {
  std::vector<DgiEntry> out;
  int line = 0;
  while (!text.empty()) {
    ++line;
    const std::size_t nl = text.find('\n');
    std::string_view l = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    // A '#' outside a string starts a comment.
    bool in_string = false;
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (l[i] == '"') in_string = !in_string;
      if (l[i] == '#' && !in_string) {
        l = l.substr(0, i);
        break;
      }
    }
    l = trim(l);
    if (l.empty()) continue;
    if (out.size() == kMaxDgiFileEntries) bad(line, "too many DGIs");
    out.push_back(parse_line(l, line));
  }
  return out;
}

}  // namespace sesame::host::gp
