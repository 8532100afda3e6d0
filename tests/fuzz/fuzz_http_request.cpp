// The HTTPS listener's request parser on arbitrary bytes, fed in two pieces and drained of every
// pipelined request: it must never crash, loop or accept past its limits.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/http/request_parser.h"
#include "server/http/router.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sesame::server::http;
  Limits limits;
  limits.max_header_bytes = 2048;
  limits.max_body_bytes = 4096;
  RequestParser parser(limits);
  Router router;
  router.add("GET", "/a/{b}", [](const Request&, const Peer&, const PathParams& p) {
    return Response::json(200, p.at("b"));
  });
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = size ? data[0] % (size + 1) : 0;
  for (std::string_view piece : {input.substr(0, split), input.substr(split)}) {
    while (!piece.empty()) {
      const std::size_t used = parser.feed(piece);
      piece.remove_prefix(used);
      if (parser.error()) return 0;
      if (!parser.complete()) {
        if (used == 0) return 0;
        continue;
      }
      const Request r = parser.take();
      if (r.body.size() > limits.max_body_bytes) __builtin_trap();
      (void)serialize(router.dispatch(r, Peer{}), r.keep_alive);
    }
  }
  return 0;
}
