// The digest of the static answers of an EMV payment application, the ones a phone-side HCE cache
// serves in place of the card (docs/EMV.md, "HCE cache mode"). The card (applets/emv, CHECK STATIC
// DATA) and the cache (host/emv/hce_cache) compute it the same way, here, so that a cache filled
// before the card was re-personalised is refused by the card before it spends an ATC.
#pragma once

#include <vector>

#include "util/bytes.h"

namespace sesame::iso7816::emv {

inline constexpr std::size_t kCacheDigestSize = 32;

// SHA-256 over the SELECT answer's data (the FCI), the GET PROCESSING OPTIONS answer's data, then
// every record the AFL lists, in AFL order (each READ RECORD answer's data); each item preceded by
// its length on 2 bytes (big-endian), so that no two different lists hash the same input.
Bytes cache_digest(ByteView fci, ByteView gpo_response, const std::vector<Bytes>& records);

}  // namespace sesame::iso7816::emv
