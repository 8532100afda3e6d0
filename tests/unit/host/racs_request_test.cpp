// Building RACS requests (issue #3 grammar: BEGIN [name], commands with their options and APPEND,
// END).
#include "host/racs/racs_request.h"

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/hex.h"

namespace sesame::host::racs {
namespace {

TEST(RacsRequest, EncodesEveryCommand) {
  RacsRequest r("batch-1");
  r.get_version()
      .set_version("2.0")
      .list()
      .echo("hello")
      .power_on("demo")
      .reset("demo", /*warm=*/true)
      .reset("demo", /*warm=*/false, /*append=*/true)
      .apdu("demo", from_hex("00A4040008F0534553414D4501"), {}, /*append=*/true)
      .shutdown("demo");
  EXPECT_EQ(r.size(), 9u);
  EXPECT_EQ(r.encode(),
            "BEGIN batch-1\r\n"
            "GET-VERSION\r\n"
            "SET-VERSION 2.0\r\n"
            "LIST\r\n"
            "ECHO hello\r\n"
            "POWERON demo\r\n"
            "RESET demo WARM\r\n"
            "RESET demo APPEND\r\n"
            "APDU demo 00A4040008F0534553414D4501 APPEND\r\n"
            "SHUTDOWN demo\r\n"
            "END\r\n");
}

TEST(RacsRequest, ApduOptions) {
  ApduOptions o;
  o.continue_sw = 0x9000;
  o.more_sw1 = 0x61;
  o.fetch = std::array<std::uint8_t, 4>{0x00, 0xC0, 0x00, 0x00};
  RacsRequest r;
  r.apdu("card.1", from_hex("80CA9F7F00"), o, true);
  EXPECT_EQ(r.encode(),
            "BEGIN\r\nAPDU card.1 80CA9F7F00 CONTINUE=9000 MORE=61 FETCH=00C00000 APPEND\r\nEND\r\n");
}

TEST(RacsRequest, RefusesWhatTheGrammarCannotCarry) {
  EXPECT_THROW(RacsRequest(std::string(65, 'n')), Error);
  EXPECT_THROW(RacsRequest("two words"), Error);
  EXPECT_THROW(RacsRequest("line\nbreak"), Error);
  RacsRequest r;
  EXPECT_THROW(r.encode(), Error);  // no command
  EXPECT_THROW(r.echo("two words"), Error);
  EXPECT_THROW(r.echo(""), Error);
  EXPECT_THROW(r.echo("x\r\nEND"), Error);
  EXPECT_THROW(r.power_on("bad seid"), Error);
  EXPECT_THROW(r.power_on(std::string(65, 's')), Error);
  EXPECT_THROW(r.apdu("demo", from_hex("00A404")), Error);  // under 4 bytes
  EXPECT_EQ(r.size(), 0u);
  EXPECT_NO_THROW(RacsRequest(std::string(64, 'n')));
}

}  // namespace
}  // namespace sesame::host::racs
