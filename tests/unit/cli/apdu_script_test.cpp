#include "cli/apdu_script.h"

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/hex.h"

namespace sesame::cli {
namespace {

TEST(ApduScript, ParsesCommandsCommentsAndExpectations) {
  const auto steps = parse_apdu_script(
      "# select the demo applet\n"
      "\n"
      "00A4040008F0534553414D4501 ; 9000\n"
      "  00 B0 00 00 04   # no expectation\n"
      "00C0000000;61XX\r\n"
      "00CA9F7F00 ; 0102 9000\n");
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[0].line, 3);
  EXPECT_EQ(to_hex(steps[0].command), "00A4040008F0534553414D4501");
  ASSERT_TRUE(steps[0].expected);
  EXPECT_EQ(steps[0].expected->describe(), "9000");
  EXPECT_EQ(steps[1].line, 4);
  EXPECT_EQ(to_hex(steps[1].command), "00B0000004");
  EXPECT_FALSE(steps[1].expected);
  EXPECT_EQ(steps[2].expected->describe(), "61XX");
  EXPECT_EQ(steps[3].expected->describe(), "01029000");
}

TEST(ApduScript, Matching) {
  const auto steps = parse_apdu_script("00A40400 ; 9000\n00C00000 ; 61xX\n00B00000 ; 01 02 90 00\n");
  const auto& sw = *steps[0].expected;
  EXPECT_TRUE(sw.matches(from_hex("9000")));
  EXPECT_TRUE(sw.matches(from_hex("AABB9000")));  // SW only: data is not compared
  EXPECT_FALSE(sw.matches(from_hex("6A82")));
  EXPECT_FALSE(sw.matches(from_hex("90")));
  const auto& wild = *steps[1].expected;
  EXPECT_TRUE(wild.matches(from_hex("6110")));
  EXPECT_TRUE(wild.matches(from_hex("61FF")));
  EXPECT_FALSE(wild.matches(from_hex("6210")));
  const auto& full = *steps[2].expected;
  EXPECT_TRUE(full.matches(from_hex("01029000")));
  EXPECT_FALSE(full.matches(from_hex("01039000")));
  EXPECT_FALSE(full.matches(from_hex("9000")));
}

TEST(ApduScript, ErrorsNameTheLine) {
  auto error_of = [](const char* text) -> std::string {
    try {
      parse_apdu_script(text);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::parse);
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error_of("00A40400\n00A4 ; 9000\n").rfind("line 2:", 0), 0u);  // shorter than a header
  EXPECT_EQ(error_of("\n\n00A4040G\n").rfind("line 3:", 0), 0u);           // bad hex
  EXPECT_EQ(error_of("00A40400 ;\n").rfind("line 1:", 0), 0u);             // nothing after ';'
  EXPECT_EQ(error_of("00A40400 ; 90Z0\n").rfind("line 1:", 0), 0u);
  EXPECT_EQ(error_of("00A40400 ; 90\n").rfind("line 1:", 0), 0u);
  EXPECT_TRUE(parse_apdu_script("# only a comment\n\n").empty());
}

}  // namespace
}  // namespace sesame::cli
