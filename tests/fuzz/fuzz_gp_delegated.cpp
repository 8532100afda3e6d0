// Delegated management parsers (src/iso7816/gp_delegated.cpp) on arbitrary bytes: the terminal's
// parse_confirmation (a card's answer) and the card's decode_delegation_key_data (PUT KEY data of
// the token / receipt keys) throw nothing but sesame::Error with parse, invalid_argument or crypto;
// a confirmation that parses re-encodes to the input.
#include <cstdint>
#include <cstdlib>

#include "iso7816/gp_delegated.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sesame;
  namespace gp = iso7816::gp;
  const ByteView in(data, size);
  try {
    const gp::Confirmation c = gp::parse_confirmation(in);
    if (gp::encode_confirmation(c.receipt, c.counter, c.card_unique_data) != Bytes(in.begin(), in.end()))
      std::abort();
  } catch (const Error& e) {
    if (e.code() != Errc::parse) std::abort();
  }
  const Bytes dek(16, 0x40);
  try {
    (void)gp::decode_delegation_key_data(in, dek);
  } catch (const Error& e) {
    if (e.code() != Errc::parse && e.code() != Errc::invalid_argument && e.code() != Errc::crypto)
      std::abort();
  }
  return 0;
}
