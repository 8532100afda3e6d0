// The RACS line grammar: commands, options, APPEND, and the errors a malformed line gets.
// Grammar and codes: draft-urien-core-racs and its reference server (docs/RACS.md).
#include "server/racs/racs_request.h"

#include <gtest/gtest.h>

namespace sesame::server::racs {
namespace {

Command ok(std::string_view line) {
  const ParsedLine p = parse_line(line);
  const auto* c = std::get_if<Command>(&p);
  if (!c) {
    const auto* e = std::get_if<RacsError>(&p);
    ADD_FAILURE() << "not a command: " << line << (e ? " -> " + std::to_string(e->code()) + " " + e->text : "");
    return {};
  }
  return *c;
}

RacsError err(std::string_view line, std::size_t max_apdu = 65544) {
  const ParsedLine p = parse_line(line, max_apdu);
  const auto* e = std::get_if<RacsError>(&p);
  if (!e) {
    ADD_FAILURE() << "no error for: " << line;
    return {};
  }
  return *e;
}

TEST(RacsRequest, BlankLinesAreNothing) {
  EXPECT_TRUE(std::holds_alternative<std::monostate>(parse_line("")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(parse_line("\r")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(parse_line(" \t  ")));
}

TEST(RacsRequest, BeginWithAndWithoutName) {
  Command c = ok("BEGIN");
  EXPECT_EQ(c.verb, Verb::begin);
  EXPECT_EQ(c.word, "");
  c = ok("BEGIN  script-1\r");
  EXPECT_EQ(c.word, "script-1");
  EXPECT_EQ(ok(std::string("BEGIN ") + std::string(64, 'n')).word.size(), 64u);
  const RacsError e = err(std::string("BEGIN ") + std::string(65, 'n'));
  EXPECT_EQ(e.code(), 302);
  EXPECT_TRUE(e.closes_session);
  EXPECT_EQ(err("BEGIN a b").code(), 306);
}

TEST(RacsRequest, EveryCommand) {
  EXPECT_EQ(ok("END").verb, Verb::end);
  EXPECT_EQ(ok("GET-VERSION").verb, Verb::get_version);
  Command c = ok("SET-VERSION 0.3");
  EXPECT_EQ(c.verb, Verb::set_version);
  EXPECT_EQ(c.word, "0.3");
  EXPECT_EQ(ok("LIST").verb, Verb::list);
  c = ok("ECHO hello");
  EXPECT_EQ(c.verb, Verb::echo);
  EXPECT_EQ(c.word, "hello");
  c = ok("POWERON card-1");
  EXPECT_EQ(c.verb, Verb::poweron);
  EXPECT_EQ(c.word, "card-1");
  EXPECT_EQ(ok("SHUTDOWN card-1").verb, Verb::shutdown);
  c = ok("RESET card-1");
  EXPECT_EQ(c.verb, Verb::reset);
  EXPECT_FALSE(c.warm);
  EXPECT_TRUE(ok("RESET card-1 WARM").warm);
  EXPECT_FALSE(ok("RESET card-1 COLD").warm);
  c = ok("APDU card-1 00A4040008F0534553414D4501");
  EXPECT_EQ(c.verb, Verb::apdu);
  EXPECT_EQ(c.word, "card-1");
  EXPECT_EQ(c.apdu, (Bytes{0x00, 0xA4, 0x04, 0x00, 0x08, 0xF0, 0x53, 0x45, 0x53, 0x41, 0x4D, 0x45, 0x01}));
  EXPECT_FALSE(c.options.continue_sw || c.options.more_sw1 || c.options.fetch);
}

TEST(RacsRequest, VerbsAndOptionsIgnoreCase) {
  EXPECT_EQ(ok("echo x").verb, Verb::echo);
  const Command c = ok("apdu c 00b0000000 more=61 append");
  EXPECT_EQ(c.verb, Verb::apdu);
  EXPECT_TRUE(c.append);
  ASSERT_TRUE(c.options.more_sw1);
  EXPECT_EQ(*c.options.more_sw1, 0x61);
}

TEST(RacsRequest, Append) {
  EXPECT_TRUE(ok("LIST APPEND").append);
  EXPECT_FALSE(ok("LIST").append);
  const Command c = ok("APDU c 00B0000000 CONTINUE=9000 APPEND");
  EXPECT_TRUE(c.append);
  EXPECT_EQ(c.options.continue_sw, 0x9000);
  // APPEND alone after ECHO is the flag, not the word to echo: the word is missing.
  EXPECT_EQ(err("ECHO APPEND").code(), 509);
}

TEST(RacsRequest, ApduOptions) {
  const Command c = ok("APDU c 00C0000000 CONTINUE=6A82 MORE=61 FETCH=00C00000");
  EXPECT_EQ(c.options.continue_sw, 0x6A82);
  EXPECT_EQ(c.options.more_sw1, 0x61);
  ASSERT_TRUE(c.options.fetch);
  EXPECT_EQ(*c.options.fetch, (std::array<std::uint8_t, 4>{0x00, 0xC0, 0x00, 0x00}));
  EXPECT_EQ(err("APDU c 00B0000000 CONTINUE=900").code(), 406);
  EXPECT_EQ(err("APDU c 00B0000000 CONTINUE=90000").code(), 406);
  EXPECT_EQ(err("APDU c 00B0000000 MORE=6").code(), 406);
  EXPECT_EQ(err("APDU c 00B0000000 FETCH=00C000").code(), 406);
  EXPECT_EQ(err("APDU c 00B0000000 FETCH=00C0000G").code(), 406);
  EXPECT_EQ(err("APDU c 00B0000000 MORE=61 MORE=62").code(), 406);
  EXPECT_EQ(err("APDU c 00B0000000 LATER=1").code(), 406);
  EXPECT_EQ(err("APDU c 00B0000000 junk").code(), 406);
}

TEST(RacsRequest, MissingAndBadParameters) {
  EXPECT_EQ(err("SET-VERSION").code(), 502);
  EXPECT_EQ(err("ECHO").code(), 509);
  EXPECT_EQ(err("ECHO a b").code(), 509);
  EXPECT_EQ(err("POWERON").code(), 508);
  EXPECT_EQ(err("SHUTDOWN").code(), 507);
  EXPECT_EQ(err("RESET").code(), 505);
  EXPECT_EQ(err("RESET c HOT").code(), 405);
  EXPECT_EQ(err("APDU").code(), 506);
  EXPECT_EQ(err("APDU c").code(), 506);
  EXPECT_EQ(err("LIST now").code(), 504);
  EXPECT_EQ(err("GET-VERSION 1").code(), 502);
  // SEIDs: 1-64 of [A-Za-z0-9._-], as CardService defines them.
  EXPECT_EQ(err("POWERON a/b").code(), 408);
  EXPECT_EQ(err("APDU " + std::string(65, 'a') + " 00A40400").code(), 406);
  // APDU hex: even, hex only, at least a header.
  EXPECT_EQ(err("APDU c 00A404").code(), 506);
  EXPECT_EQ(err("APDU c 00A4040").code(), 506);
  EXPECT_EQ(err("APDU c 00A4040X").code(), 506);
  EXPECT_EQ(err("APDU c 00A4040000", 4).code(), 506);  // longer than the limit
}

TEST(RacsRequest, UnknownCommandsAndControlBytesAreProtocolErrors) {
  RacsError e = err("FOO bar");
  EXPECT_EQ(e.code(), 100);
  EXPECT_TRUE(e.closes_session);
  EXPECT_EQ(e.text, "FOO unknown command");
  e = err(std::string("ECHO a\0b", 8));
  EXPECT_EQ(e.code(), 305);
  EXPECT_TRUE(e.closes_session);
  EXPECT_EQ(err("ECHO \x7f").code(), 305);
  EXPECT_EQ(err("ECHO \xc3\xa9").code(), 305);
  EXPECT_EQ(err("ECHO a\rb").code(), 305);  // a CR anywhere but at the end
  // Errors of known commands do not close the session.
  EXPECT_FALSE(err("POWERON").closes_session);
}

TEST(RacsRequest, CodesFollowTheDraft) {
  EXPECT_EQ(code_of(Verb::begin), CommandCode::begin);
  EXPECT_EQ(static_cast<int>(code_of(Verb::get_version)), 2);
  EXPECT_EQ(static_cast<int>(code_of(Verb::set_version)), 2);
  EXPECT_EQ(static_cast<int>(code_of(Verb::list)), 4);
  EXPECT_EQ(static_cast<int>(code_of(Verb::reset)), 5);
  EXPECT_EQ(static_cast<int>(code_of(Verb::apdu)), 6);
  EXPECT_EQ(static_cast<int>(code_of(Verb::shutdown)), 7);
  EXPECT_EQ(static_cast<int>(code_of(Verb::poweron)), 8);
  EXPECT_EQ(static_cast<int>(code_of(Verb::echo)), 9);
}

}  // namespace
}  // namespace sesame::server::racs

namespace sesame::server::racs {
namespace {

// A response line must stay printable ASCII whatever bytes the request held (the fuzz target
// checks the same property on whole sessions).
TEST(RacsRequest, ErrorTextsArePrintable) {
  for (std::string_view line : {std::string_view("APDU demo 0084000008 \xF6" "CONTINUE=9000"),
                                std::string_view("APDU demo 00840000\x01" "08"), std::string_view("\x7F" "LIST"),
                                std::string_view("ECHO \xC3\xA9t\xC3\xA9")}) {
    const ParsedLine p = parse_line(line);
    const auto* e = std::get_if<RacsError>(&p);
    ASSERT_NE(e, nullptr) << line;
    for (char c : e->text) {
      const auto u = static_cast<unsigned char>(c);
      EXPECT_TRUE(u >= 0x20 && u <= 0x7E) << "byte " << int(u) << " in: " << e->text;
    }
  }
}

}  // namespace
}  // namespace sesame::server::racs
