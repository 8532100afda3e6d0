#include "iso7816/emv_cache_digest.h"

#include "crypto/hash.h"
#include "util/error.h"

namespace sesame::iso7816::emv {
namespace {

void put(Bytes& out, ByteView item) {
  if (item.size() > 0xFFFF) fail(Errc::invalid_argument, "cache digest: item above 65535 bytes");
  out.push_back(static_cast<std::uint8_t>(item.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(item.size()));
  append(out, item);
}

}  // namespace

Bytes cache_digest(ByteView fci, ByteView gpo_response, const std::vector<Bytes>& records) {
  Bytes in;
  put(in, fci);
  put(in, gpo_response);
  for (const auto& r : records) put(in, r);
  return crypto::sha256(in);
}

}  // namespace sesame::iso7816::emv
