// The store's manifest decoding (store/manifest.h) on arbitrary bytes (as an attacker who forged a
// sealed record would need it to run): only Error(Errc::integrity) may come out, and what decodes
// must re-encode to exactly the input (the encoding is canonical: sorted keys, fixed widths).
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "store/manifest.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sesame;
  const ByteView in(data, size);
  store::Manifest m;
  try {
    m = store::decode_manifest(in, "fuzz");
  } catch (const Error& e) {
    if (e.code() != Errc::integrity) std::abort();
    return 0;
  }
  for (const auto& [key, version] : m.versions)
    if (version > m.counter) std::abort();
  const SecureBytes again = store::encode_manifest(m);
  if (again.size() != in.size() || !std::equal(in.begin(), in.end(), again.data())) std::abort();
  return 0;
}
