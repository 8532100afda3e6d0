#include "server/wsca_problem.h"

#include <nlohmann/json.hpp>

#include "util/hex.h"

namespace sesame::server {

WscaProblemKind wsca_problem_for_sw(std::uint16_t sw) {
  if ((sw & 0xFFF0) == 0x63C0) return {403, "pin-incorrect", "Wrong PIN or PUK"};
  switch (sw) {
    case 0x6982:
      return {403, "not-authenticated", "Device signature or user authentication missing or invalid"};
    case 0x6983: return {423, "pin-blocked", "PIN or PUK blocked"};
    case 0x6601: return {429, "pin-delay", "Too many wrong PINs: wait before the next attempt"};
    case 0x6984: return {409, "no-pin", "No PIN or PUK set"};
    case 0x6985:
      return {409, "conditions-not-satisfied", "No challenge, or the unit is not in the right state"};
    case 0x6A80: return {400, "malformed", "The applet refused a field"};
    case 0x6A86: return {400, "malformed", "The applet refused a parameter"};
    case 0x6700: return {400, "malformed", "Wrong length"};
    case 0x6A88: return {404, "not-found", "No such unit, key or data object in this unit"};
    case 0x6A82: return {404, "no-wsca", "The card has no WSCA applet"};
    case 0x6A84: return {507, "card-full", "The card's memory is full"};
    case 0x6581: return {503, "card-unavailable", "The card's stored state could not be read"};
    default: return {502, "card-error", "The card answered with an unexpected status"};
  }
}

http::Response wsca_problem(const WscaProblemKind& kind, std::string_view detail) {
  http::Response r;
  r.status = kind.status;
  r.headers["Content-Type"] = "application/problem+json";
  r.body = nlohmann::json{{"type", "urn:sesame:wsca:" + std::string(kind.name)},
                          {"title", std::string(kind.title)},
                          {"status", kind.status},
                          {"detail", std::string(detail)}}
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

http::Response wsca_sw_problem(std::uint16_t sw) {
  const WscaProblemKind kind = wsca_problem_for_sw(sw);
  const Bytes swb{static_cast<std::uint8_t>(sw >> 8), static_cast<std::uint8_t>(sw)};
  http::Response r = wsca_problem(kind, "the WSCA applet answered " + to_hex(swb));
  auto j = nlohmann::json::parse(r.body);
  j["sw"] = to_hex(swb);
  if ((sw & 0xFFF0) == 0x63C0) j["tries_left"] = sw & 0x0F;
  r.body = j.dump();
  return r;
}

http::Response wsca_bad_request(std::string_view detail) {
  return wsca_problem({400, "bad-request", "Malformed request"}, detail);
}

}  // namespace sesame::server
