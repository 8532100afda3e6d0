// Command APDU parser and reader-side response chaining. CommandApdu::parse must accept exactly
// one encoding per command (encode reproduces the input) and fail only with Error(Errc::parse);
// transceive against a card whose answers come from the input must end, within its limits.
#include <cstdint>
#include <cstdlib>

#include "iso7816/apdu.h"
#include "iso7816/response_chaining.h"
#include "util/error.h"

using namespace sesame;
using namespace sesame::iso7816;

namespace {

void check_parse_error(const Error& e) {
  if (e.code() != Errc::parse) std::abort();
}

bool same(const CommandApdu& a, const CommandApdu& b) {
  return a.cla == b.cla && a.ins == b.ins && a.p1 == b.p1 && a.p2 == b.p2 && a.data == b.data && a.ne == b.ne &&
         a.extended == b.extended;
}

void command_round_trip(ByteView in) {
  CommandApdu c;
  try {
    c = CommandApdu::parse(in);
  } catch (const Error& e) {
    return check_parse_error(e);
  }
  const Bytes enc = c.encode();
  if (enc != Bytes(in.begin(), in.end())) std::abort();
  if (!same(CommandApdu::parse(enc), c)) std::abort();
  const int ch = c.channel();
  if (ch >= 0 && cla_with_channel(c.cla, ch) != c.cla) std::abort();
}

// The input is a stream of card answers, each one length byte then that many bytes.
void chaining(ByteView in) {
  std::size_t pos = 0, calls = 0;
  const TransmitRaw card = [&](ByteView) -> Bytes {
    if (++calls > 2 * 8 + 2) std::abort();  // at most 2 exchanges per round (6Cxx retry)
    if (pos >= in.size()) return {0x90, 0x00};
    const std::size_t n = in[pos++];
    const std::size_t take = n < in.size() - pos ? n : in.size() - pos;
    Bytes answer(in.begin() + static_cast<std::ptrdiff_t>(pos), in.begin() + static_cast<std::ptrdiff_t>(pos + take));
    pos += take;
    return answer;
  };
  CommandApdu cmd;
  cmd.cla = in.empty() ? 0 : in[0];
  cmd.ins = 0xB0;
  cmd.ne = 256;
  try {
    const ResponseApdu r = transceive(card, cmd, ChainingLimits{8, 1024});
    if (r.data.size() > 1024) std::abort();
  } catch (const Error& e) {
    check_parse_error(e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  command_round_trip(in);
  try {
    const ResponseApdu r = ResponseApdu::parse(in);
    if (r.encode() != Bytes(in.begin(), in.end())) std::abort();
  } catch (const Error& e) {
    check_parse_error(e);
  }
  chaining(in);
  return 0;
}
