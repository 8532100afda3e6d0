// Audit entry decoding (audit/audit_entry.h) on arbitrary bytes, as `sesame audit verify/show` meets
// them in a store someone may have tampered with: only Error(Errc::parse) may come out, and what
// decodes must re-encode to exactly the input (the encoding is canonical). The same input, as text,
// also goes through parse_anchor (a command-line argument) and seq_of_key (a stored record key).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "audit/audit_entry.h"
#include "audit/audit_log.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sesame;
  const ByteView in(data, size);
  const std::string text(data, data + size);
  try {
    audit::parse_anchor(text);
  } catch (const Error& e) {
    if (e.code() != Errc::invalid_argument) std::abort();
  }
  if (const auto seq = audit::seq_of_key(text); seq && audit::entry_key(*seq) != text) std::abort();
  audit::Entry e;
  try {
    e = audit::decode_entry(in);
  } catch (const Error& err) {
    if (err.code() != Errc::parse) std::abort();
    return 0;
  }
  const Bytes again = audit::encode_entry(e);
  if (again.size() != in.size() || !std::equal(in.begin(), in.end(), again.begin())) std::abort();
  (void)audit::entry_hash(e);
  return 0;
}
