// racs://host[:port][/SEID] — where a RACS server is and, optionally, which secure element on it.
// host is a DNS name, an IPv4 address or a bracketed IPv6 address ("[::1]"); the port defaults to
// 7777 (the RACS default); a SEID is 1-64 characters of [A-Za-z0-9._-]. No user info, query or
// fragment: a RACS user is named by its client certificate, never in the URI.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sesame::host::racs {

inline constexpr std::uint16_t kDefaultPort = 7777;

struct RacsUri {
  std::string host;  // without brackets for IPv6
  std::uint16_t port = kDefaultPort;
  std::string seid;  // empty: the URI names the server only

  // Scheme and host are case-insensitive (RFC 3986 §3.1, §3.2.2); the SEID is kept as written.
  // Throws Error(Errc::invalid_argument) naming what is wrong.
  static RacsUri parse(std::string_view text);

  // The canonical form: lower-case scheme, brackets around IPv6, the port always written.
  std::string str() const;
};

// 1-64 characters of [A-Za-z0-9._-], as sesame's SEIDs are.
bool is_valid_seid(std::string_view seid);

}  // namespace sesame::host::racs
