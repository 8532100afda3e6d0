#include "host/racs/racs_uri.h"

#include <algorithm>
#include <cctype>

#include "util/error.h"
#include "util/seid.h"

namespace sesame::host::racs {
namespace {

constexpr std::string_view kScheme = "racs://";

// RFC 3986 reg-name restricted to what DNS and IPv4 literals use; no percent-encoding.
bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
}

bool ipv6_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
}

[[noreturn]] void bad(std::string_view text, const std::string& why) {
  fail(Errc::invalid_argument, "bad RACS URI '" + std::string(text) + "': " + why);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return out;
}

}  // namespace

bool is_valid_seid(std::string_view seid) { return valid_seid(seid); }

RacsUri RacsUri::parse(std::string_view text) {
  if (text.size() < kScheme.size() || lower(text.substr(0, kScheme.size())) != kScheme)
    bad(text, "it must start with racs://");
  std::string_view rest = text.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);

  RacsUri uri;
  std::string_view port_text;
  if (authority.empty()) bad(text, "no host");
  if (authority.find('@') != std::string_view::npos)
    bad(text, "user info is not allowed (the client certificate names the user)");
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) bad(text, "unclosed [ in the host");
    const std::string_view v6 = authority.substr(1, close - 1);
    if (v6.empty() || v6.find(':') == std::string_view::npos || !std::all_of(v6.begin(), v6.end(), ipv6_char))
      bad(text, "not an IPv6 address inside [ ]");
    uri.host = lower(v6);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad(text, "unexpected characters after ]");
      port_text = after.substr(1);
      if (port_text.empty()) bad(text, "empty port");
    }
  } else {
    const std::size_t colon = authority.find(':');
    const std::string_view h = authority.substr(0, colon);
    if (h.empty() || !std::all_of(h.begin(), h.end(), host_char)) bad(text, "bad host name");
    uri.host = lower(h);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) bad(text, "empty port");
    }
  }
  if (!port_text.empty()) {
    if (port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
      bad(text, "the port must be a number");
    const unsigned long p = std::stoul(std::string(port_text));
    if (p == 0 || p > 65535) bad(text, "the port must be 1-65535");
    uri.port = static_cast<std::uint16_t>(p);
  }
  if (!path.empty()) {  // "racs://host:port/" names the server, like "racs://host:port"
    if (!is_valid_seid(path)) bad(text, "the SEID must be 1-64 characters of A-Z a-z 0-9 . _ -");
    uri.seid = std::string(path);
  }
  return uri;
}

std::string RacsUri::str() const {
  std::string out(kScheme);
  if (host.find(':') != std::string::npos)
    out += "[" + host + "]";
  else
    out += host;
  out += ":" + std::to_string(port);
  if (!seid.empty()) out += "/" + seid;
  return out;
}

}  // namespace sesame::host::racs
