#include "store/manifest.h"

#include <algorithm>

#include "util/byte_reader.h"
#include "util/error.h"

namespace sesame::store {
namespace {

constexpr std::uint8_t kMagic[4] = {'S', 'M', 'F', '1'};

[[noreturn]] void malformed(const std::string& card_id) {
  fail(Errc::integrity, "store: malformed manifest of card '" + card_id + "'");
}

Manifest parse(ByteView b, const std::string& card_id) {
  ByteReader r(b, "manifest");
  const ByteView magic = r.bytes(sizeof kMagic);
  if (!std::equal(magic.begin(), magic.end(), kMagic)) malformed(card_id);
  Manifest m;
  m.counter = r.u64();
  const std::uint32_t n = r.u32();
  // Each entry takes at least 10 bytes: a count beyond what is left is malformed, whatever it says.
  if (n > r.remaining() / 10) malformed(card_id);
  for (std::uint32_t i = 0; i < n; ++i) {
    const ByteView k = r.bytes(r.u16());
    const std::uint64_t version = r.u64();
    if (version > m.counter) malformed(card_id);  // a record cannot be newer than the commit counter
    std::string key(k.begin(), k.end());
    // Keys strictly ascending, as encode_manifest writes them: one encoding per manifest, and no
    // duplicates (the fuzzer found unordered keys accepted, decoding to a re-ordered manifest).
    if (!m.versions.empty() && !(m.versions.rbegin()->first < key)) malformed(card_id);
    m.versions.emplace_hint(m.versions.end(), std::move(key), version);
  }
  if (!r.empty()) malformed(card_id);
  return m;
}

}  // namespace

SecureBytes encode_manifest(const Manifest& m) {
  if (m.versions.size() > 0xFFFFFFFFu) fail(Errc::invalid_argument, "store: too many records in one card");
  SecureBytes out;
  out.append(ByteView(kMagic, sizeof kMagic));
  put_u64(out, m.counter);
  put_u32(out, static_cast<std::uint32_t>(m.versions.size()));
  for (const auto& [key, version] : m.versions) {
    if (key.size() > 0xFFFF) fail(Errc::invalid_argument, "store: record key too long");
    put_u16(out, static_cast<std::uint16_t>(key.size()));
    out.append(as_bytes(key));
    put_u64(out, version);
  }
  return out;
}

Manifest decode_manifest(ByteView b, const std::string& card_id) {
  try {
    return parse(b, card_id);
  } catch (const Error& e) {
    if (e.code() != Errc::parse) throw;
    malformed(card_id);  // truncated: ByteReader says parse, a sealed record's damage is integrity
  }
}

}  // namespace sesame::store
