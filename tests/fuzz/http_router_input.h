// The input format of the HTTP route fuzz targets (fuzz_wsca_http, fuzz_eid_http): a first line
// "METHOD /path", the rest the body. One request is dispatched to `router` as client `cn` or, for
// odd-sized inputs, as "admin"; a 500 or a JSON-labelled body that is not JSON is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "server/http/router.h"

namespace sesame::fuzz {

inline void dispatch_fuzzed_request(server::http::Router& router, const std::uint8_t* data, std::size_t size,
                                    const std::string& cn) {
  using namespace server::http;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = input.find('\n');
  const std::string line = input.substr(0, nl);
  const std::size_t sp = line.find(' ');
  if (sp == std::string::npos) return;
  Request r;
  r.method = line.substr(0, sp);
  r.path = r.target = line.substr(sp + 1);
  if (r.path.empty() || r.path[0] != '/') return;
  r.body = nl == std::string::npos ? "" : input.substr(nl + 1);
  r.headers["Host"] = "localhost";
  const Response resp = router.dispatch(r, Peer{(size & 1) ? "admin" : cn, "fuzz"});
  if (resp.status == 500) __builtin_trap();
  const auto ct = resp.headers.find("Content-Type");
  if (ct != resp.headers.end() && ct->second.find("json") != std::string::npos && !nlohmann::json::accept(resp.body))
    __builtin_trap();
}

}  // namespace sesame::fuzz
