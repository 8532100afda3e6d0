// The card's STORE DATA decoding of DGIs (src/iso7816/gp_dgi.cpp) on arbitrary bytes: parse_dgis
// and decrypt_dgi_value throw nothing but Error(Errc::parse); what parses re-encodes to the input.
#include <cstdint>
#include <cstdlib>

#include "iso7816/gp_dgi.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sesame;
  const ByteView in(data, size);
  try {
    const auto dgis = iso7816::gp::parse_dgis(in);
    Bytes again;
    for (const auto& d : dgis) append(again, iso7816::gp::encode_dgi(d.tag, d.value.view()));
    if (again != Bytes(in.begin(), in.end())) std::abort();  // one encoding per DGI
  } catch (const Error& e) {
    if (e.code() != Errc::parse) std::abort();
  }
  const Bytes dek(16, 0x40);
  try {
    (void)iso7816::gp::decrypt_dgi_value(dek, in);
  } catch (const Error& e) {
    if (e.code() != Errc::parse) std::abort();
  }
  return 0;
}
