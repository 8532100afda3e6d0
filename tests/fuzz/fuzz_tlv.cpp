// BER-TLV parser: no input may crash it or make it throw anything but Error(Errc::parse), and what
// it parses must survive re-encoding. A strict (DER) parse must reproduce its input byte for byte.
#include <cstdint>
#include <cstdlib>

#include "util/error.h"
#include "util/tlv.h"

using namespace sesame;

namespace {

void check_parse_error(const Error& e) {
  if (e.code() != Errc::parse) std::abort();
}

void lenient_round_trip(ByteView in) {
  std::vector<Tlv> seq;
  try {
    seq = parse_tlv(in, TlvMode::lenient);
  } catch (const Error& e) {
    return check_parse_error(e);
  }
  const Bytes enc = encode_tlvs(seq);
  if (enc.size() > in.size()) std::abort();  // minimal lengths, no padding: never longer
  const auto again = parse_tlv(enc, TlvMode::lenient);  // must not throw
  if (again != seq) std::abort();
  if (encode_tlvs(again) != enc) std::abort();
}

void strict_round_trip(ByteView in) {
  std::vector<Tlv> seq;
  try {
    seq = parse_tlv(in, TlvMode::strict);
  } catch (const Error& e) {
    return check_parse_error(e);
  }
  const Bytes enc = encode_tlvs(seq);
  if (enc != Bytes(in.begin(), in.end())) std::abort();  // DER is canonical
  if (parse_tlv(in, TlvMode::lenient) != seq) std::abort();  // strict is a subset of lenient
}

void first_object(ByteView in) {
  std::size_t used = 0;
  Tlv t;
  try {
    t = parse_first(in, used, TlvMode::lenient);
  } catch (const Error& e) {
    return check_parse_error(e);
  }
  if (used == 0 || used > in.size()) std::abort();
  if (parse_one(in.first(used)) != t) std::abort();
  if (in[0] != 0x00) {
    const TlvHeader h = parse_tlv_header(in);
    if (h.tag != t.tag() || h.total_size() != used || h.value_size != t.value().size()) std::abort();
  }
  // Rebuilding the object from its tag and value gives the same tree.
  if (Tlv(t.tag(), t.value()) != t) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  lenient_round_trip(in);
  strict_round_trip(in);
  first_object(in);
  return 0;
}
