// Fuzzes the vpcd frame decoder and payload classifier with arbitrary TCP byte streams, fed in
// chunks whose sizes come from the input, and checks that re-encoding every decoded payload gives
// back exactly the bytes consumed.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "server/vpcd_frame.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sesame;
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 17;  // 1..17 bytes per feed
  ByteView stream(data + 1, size - 1);
  server::VpcdFrameDecoder decoder;
  Bytes reencoded;
  std::size_t fed = 0;
  while (fed < stream.size()) {
    const std::size_t n = std::min(chunk, stream.size() - fed);
    decoder.feed(stream.subspan(fed, n));
    fed += n;
    while (auto payload = decoder.next()) {
      append(reencoded, server::encode_vpcd_frame(payload->view()));
      try {
        const auto msg = server::parse_vpcd_payload(payload->view());
        if (msg.kind == server::VpcdMessage::Kind::apdu && msg.apdu.size() != payload->size()) std::abort();
        if (msg.kind == server::VpcdMessage::Kind::control && payload->size() != 1) std::abort();
      } catch (const Error& e) {
        if (e.code() != Errc::parse) std::abort();
      }
    }
  }
  // Everything decoded plus what is still buffered is the whole stream, in order.
  if (reencoded.size() + decoder.buffered() != stream.size()) std::abort();
  if (!std::equal(reencoded.begin(), reencoded.end(), stream.begin())) std::abort();
  return 0;
}
