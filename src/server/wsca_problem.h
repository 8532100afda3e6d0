// The WSCA HTTPS API's one mapping table from what went wrong to an RFC 9457 problem document
// (docs/WSCA.md, "Errors"): the applet's status words, a card held by another transport, and
// malformed requests. Every problem carries a type URI "urn:sesame:wsca:<name>"; status-word
// problems also "sw" (4 hex digits) and, for a wrong PIN or PUK, "tries_left".
#pragma once

#include <cstdint>
#include <string_view>

#include "server/http/http_message.h"

namespace sesame::server {

struct WscaProblemKind {
  int status;
  std::string_view name;   // after "urn:sesame:wsca:"
  std::string_view title;  // short, fixed
};

// Every status word has an answer; anything not listed is 502 "card-error" (fails closed).
WscaProblemKind wsca_problem_for_sw(std::uint16_t sw);

http::Response wsca_problem(const WscaProblemKind& kind, std::string_view detail);
http::Response wsca_sw_problem(std::uint16_t sw);
http::Response wsca_bad_request(std::string_view detail);  // 400 "bad-request"

}  // namespace sesame::server
