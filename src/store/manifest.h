// A card's manifest: the commit counter and the version of every record, sealed like a record
// under the reserved key kManifestKey and written in the same atomic write as the records it lists.
// load() checks the stored rows against it, which detects a single record deleted, added, or rolled
// back to an older valid sealed version.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::store {

// A NUL first byte keeps it apart from every key the card runtime may use.
inline const std::string kManifestKey("\0manifest", 9);

struct Manifest {
  std::uint64_t counter = 0;                        // number of commits; also the manifest's version
  std::map<std::string, std::uint64_t> versions;    // record key -> version (commit that wrote it)
};

// Encoding: "SMF1" || counter u64 || count u32 || { key_len u16 || key || version u64 }*, big-endian.
SecureBytes encode_manifest(const Manifest& m);
// Throws Error(Errc::integrity) on a malformed manifest: truncated, trailing bytes, a version above
// the counter, keys not in strictly ascending order (the only order encode_manifest writes).
Manifest decode_manifest(ByteView b, const std::string& card_id);

}  // namespace sesame::store
