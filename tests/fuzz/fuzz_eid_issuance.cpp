// The eID reader's parsers of what a card (or an identity file) hands it. The first byte chooses
// (modulo 3): 0 DG1 -> MRZ -> TD1 fields and check digits; 1 DG13; 2 the identity JSON.
// Invariants: parsers throw only sesame::Error; a parsed TD1 that formats again gives 90
// characters and the same check digit verdict as its source when that had none wrong.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "host/eid/eid_issuance.h"
#include "host/eid/mrz.h"
#include "util/error.h"

using namespace sesame;

namespace {

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "fuzz_eid_issuance: invariant violated: %s\n", what);
  std::abort();
}

void mrz(ByteView data) {
  const std::string m = host::eid::mrz_of_dg1(data);
  const auto bad = host::eid::td1_check_digit_errors(m);
  const host::eid::Td1 t = host::eid::parse_td1(m);
  try {
    const std::string again = host::eid::format_td1(t);
    if (again.size() != 90) violation("formatted TD1 is not 90 characters");
    if (!host::eid::td1_check_digit_errors(again).empty()) violation("a formatted TD1 has a wrong check digit");
    (void)bad;
  } catch (const Error&) {
    // fields that parse but do not format (e.g. sex not M/F/<, dates not digits) are refused
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView rest(data + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0: mrz(rest); break;
      case 1: (void)host::eid::parse_dg13(rest); break;
      default:
        (void)host::eid::parse_identity_json(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()));
    }
  } catch (const Error&) {
  }
  return 0;
}
