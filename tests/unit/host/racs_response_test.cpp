// The RACS response grammar (issue #3, after draft-urien-core-racs and its reference server):
// BEGIN [name], +NNN MMM text results, -XNN MMM text errors, END; a bare error line for protocol
// errors.
#include "host/racs/racs_response.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace sesame::host::racs {
namespace {

void expect_parse_error(std::string_view text) {
  try {
    parse_racs_response(text);
    ADD_FAILURE() << "accepted: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::parse) << text;
  }
}

TEST(RacsResponse, ResultLines) {
  const RacsResult r = parse_result_line("+006 002 6F0A8408F0534553414D45019000");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.code, 6);
  EXPECT_EQ(r.command(), static_cast<int>(Command::apdu));
  EXPECT_EQ(r.index, 2);
  EXPECT_EQ(r.text, "6F0A8408F0534553414D45019000");
  EXPECT_EQ(r.line(), "+006 002 6F0A8408F0534553414D45019000");

  const RacsResult e = parse_result_line("-708 001 In Use");
  EXPECT_FALSE(e.ok);
  EXPECT_EQ(e.code, 708);
  EXPECT_EQ(e.error_class(), ErrorClass::in_use);
  EXPECT_EQ(e.command(), 8);  // POWERON
  EXPECT_EQ(e.text, "In Use");

  const RacsResult bare = parse_result_line("+007 003");
  EXPECT_EQ(bare.text, "");
  EXPECT_EQ(bare.line(), "+007 003");
  EXPECT_EQ(parse_result_line("+001 1234 x").index, 1234);  // a request longer than 999 lines
}

TEST(RacsResponse, RejectsMalformedResultLines) {
  for (const char* bad :
       {"", "+", "006 001 x", "*006 001 x", "+06 001 x", "+0006 001 x", "+006 01 x", "+006  001",
        "+006-001 x", "+006 001x", "+00a 001 x", "+006 0012345 x", "+006 001 a\x01z"}) {
    EXPECT_THROW(parse_result_line(bad), Error) << bad;
  }
}

TEST(RacsResponse, FramedWithNameAndCrLf) {
  const RacsResponse r =
      parse_racs_response("BEGIN job7\r\n+004 001 demo card2\r\n+009 002 hello\r\nEND\r\n");
  EXPECT_TRUE(r.framed);
  EXPECT_EQ(r.name, "job7");
  ASSERT_EQ(r.results.size(), 2u);
  EXPECT_EQ(r.results[0].command(), 4);
  EXPECT_EQ(r.results[0].text, "demo card2");
  EXPECT_EQ(r.results[1].index, 2);
  EXPECT_EQ(r.error(), nullptr);
}

TEST(RacsResponse, EmptyFramedResponseAndBlankLines) {
  const RacsResponse r = parse_racs_response("\nBEGIN\n\nEND\n\n");
  EXPECT_TRUE(r.framed);
  EXPECT_EQ(r.name, "");
  EXPECT_TRUE(r.results.empty());
}

TEST(RacsResponse, ErrorInsideAFrame) {
  const RacsResponse r = parse_racs_response("BEGIN\n-406 001 bad APDU\nEND\n");
  ASSERT_NE(r.error(), nullptr);
  EXPECT_EQ(r.error()->error_class(), ErrorClass::bad_parameter);
  EXPECT_EQ(r.error()->text, "bad APDU");
}

TEST(RacsResponse, BareProtocolError) {
  const RacsResponse r = parse_racs_response("-501 000 missing BEGIN\n");
  EXPECT_FALSE(r.framed);
  ASSERT_NE(r.error(), nullptr);
  EXPECT_EQ(r.error()->error_class(), ErrorClass::syntax);
}

TEST(RacsResponse, RejectsBrokenFraming) {
  expect_parse_error("");
  expect_parse_error("\r\n\n");
  expect_parse_error("+006 001 9000\n");           // a result without BEGIN
  expect_parse_error("BEGIN\n+006 001 9000\n");    // no END
  expect_parse_error("BEGIN\nBEGIN\nEND\n");       // double BEGIN
  expect_parse_error("BEGIN\nhello\nEND\n");       // not a result line
  expect_parse_error("BEGIN\nEND\nBEGIN\nEND\n");  // two responses where one is expected
  expect_parse_error("BEGIN a b\nEND\n");          // a name is one word
  expect_parse_error("BEGINX\nEND\n");
  expect_parse_error("BEGIN " + std::string(65, 'n') + "\nEND\n");  // name over 64 characters
}

TEST(RacsResponse, NameOf64CharactersIsAccepted) {
  const std::string name(64, 'n');
  EXPECT_EQ(parse_racs_response("BEGIN " + name + "\nEND\n").name, name);
}

TEST(RacsResponse, LimitsHold) {
  ResponseLimits limits;
  limits.max_line = 16;
  limits.max_results = 2;
  RacsResponseParser p(limits);
  EXPECT_THROW(p.feed_line("+006 001 0123456789ABCDEF"), Error);
  EXPECT_FALSE(p.in_response());  // reset after an error
  EXPECT_FALSE(p.feed_line("BEGIN"));
  EXPECT_FALSE(p.feed_line("+009 001 a"));
  EXPECT_FALSE(p.feed_line("+009 002 b"));
  EXPECT_THROW(p.feed_line("+009 003 c"), Error);
}

TEST(RacsResponse, IncrementalParserKeepsThePartialResponse) {
  RacsResponseParser p;
  EXPECT_FALSE(p.feed_line("BEGIN r1\r"));
  EXPECT_TRUE(p.in_response());
  EXPECT_FALSE(p.feed_line("-708 001 In Use"));
  ASSERT_NE(p.partial().error(), nullptr);  // what a client reports if the server closes now
  const auto done = p.feed_line("END");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->name, "r1");
  EXPECT_FALSE(p.in_response());
  // The next response on the same session parses from a clean state.
  EXPECT_FALSE(p.feed_line("BEGIN r2"));
  const auto second = p.feed_line("END");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->name, "r2");
  EXPECT_TRUE(second->results.empty());
}

}  // namespace
}  // namespace sesame::host::racs
