// Secure messaging (iso7816/secure_messaging.h) on outside input. The first byte picks the part:
//   0: the card opens a protected command (CommandApdu::parse of the rest);
//   1: the terminal opens a protected response (ResponseApdu::parse of the rest);
//   2: decryption of a cryptogram;
//   3: round trip: the rest as a plain command, wrapped by a terminal and opened by a card, must
//      come back unchanged; its answer (the rest as data) too.
// Invariants: the card refuses only with SwError 6987/6988, the terminal only with Error
// (crypto/parse); a MAC is never accepted for input the fuzzer did not build with the keys (a
// success in 0/1 must come from a corpus file made with them: the round trip re-checks it).
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "iso7816/apdu.h"
#include "iso7816/secure_messaging.h"
#include "iso7816/status_word.h"
#include "util/error.h"

using namespace sesame;
using namespace sesame::iso7816;

namespace {

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "fuzz_secure_messaging: invariant violated: %s\n", what);
  std::abort();
}

// Fixed session keys: the corpus has commands wrapped with them at SSC 1.
SecureMessaging session() {
  return SecureMessaging(SecureBytes(Bytes(16, 0x11)), SecureBytes(Bytes(16, 0x22)));
}

void card_side(ByteView in) {
  CommandApdu c;
  try {
    c = CommandApdu::parse(in);
  } catch (const Error&) {
    return;
  }
  SecureMessaging card = session();
  try {
    const CommandApdu plain = card.unwrap_command(c);
    if (plain.secure_messaging()) violation("opened command still has SM bits");
    card.wrap_response({plain.data, 0x9000});
  } catch (const SwError& e) {
    if (e.sw() != 0x6987 && e.sw() != 0x6988) violation("card refused with another status word");
  }
}

void terminal_side(ByteView in) {
  ResponseApdu r;
  try {
    r = ResponseApdu::parse(in);
  } catch (const Error&) {
    return;
  }
  SecureMessaging terminal = session();
  try {
    terminal.unwrap_response(r);
  } catch (const Error& e) {
    if (e.code() != Errc::crypto && e.code() != Errc::parse) violation("terminal refused with another error");
  }
}

void decrypt(ByteView in) {
  try {
    session().decrypt(in);
  } catch (const Error& e) {
    if (e.code() != Errc::parse && e.code() != Errc::invalid_argument) violation("decrypt failed oddly");
  }
}

void round_trip(ByteView in) {
  CommandApdu plain;
  try {
    plain = CommandApdu::parse(in);
  } catch (const Error&) {
    return;
  }
  if (plain.secure_messaging() || (plain.cla & 0xE0) != 0) return;
  SecureMessaging terminal = session(), card = session();
  const CommandApdu wrapped = terminal.wrap_command(plain);
  CommandApdu opened;
  try {
    opened = card.unwrap_command(CommandApdu::parse(wrapped.encode()));
  } catch (const SwError&) {
    violation("a genuine command was refused");
  }
  if (opened.cla != plain.cla || opened.ins != plain.ins || opened.p1 != plain.p1 || opened.p2 != plain.p2 ||
      opened.data != plain.data || opened.ne != plain.ne)
    violation("command changed in the round trip");
  const ResponseApdu answer{plain.data, 0x6282};
  const ResponseApdu back =
      terminal.unwrap_response(ResponseApdu::parse(card.wrap_response(answer).encode()));
  if (back.data != answer.data || back.sw != answer.sw) violation("response changed in the round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView rest(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: card_side(rest); break;
    case 1: terminal_side(rest); break;
    case 2: decrypt(rest); break;
    default: round_trip(rest); break;
  }
  return 0;
}
