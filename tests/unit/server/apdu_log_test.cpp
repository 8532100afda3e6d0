#include "server/apdu_log.h"

#include <gtest/gtest.h>

#include "util/hex.h"

namespace sesame::server {
namespace {

TEST(ApduLog, CommandHeaderWithoutData) {
  // VERIFY PIN "123456" padded (ISO 7816-4 §11.5.6): the PIN must never appear in a log line.
  const Bytes verify = from_hex("0020008108313233343536FFFF");
  const std::string line = describe_command(verify);
  EXPECT_EQ(line, "CLA=00 INS=20 P1=00 P2=81 Lc=8");
  EXPECT_EQ(line.find("3132"), std::string::npos);
  EXPECT_EQ(describe_command(from_hex("00A4040008F0534553414D455100")),
            "CLA=00 INS=A4 P1=04 P2=00 Lc=8 Le=256");
  EXPECT_EQ(describe_command(from_hex("00B0000004")), "CLA=00 INS=B0 P1=00 P2=00 Le=4");
  EXPECT_EQ(describe_command(from_hex("00A4")), "malformed, 2 bytes");
  EXPECT_EQ(describe_command(from_hex("00A4040009F053")),
            "CLA=00 INS=A4 P1=04 P2=00 (bad length fields, 7 bytes)");
}

TEST(ApduLog, ResponseStatusWithoutData) {
  const std::string line = describe_response(from_hex("DEADBEEF9000"));
  EXPECT_NE(line.find("9000"), std::string::npos);
  EXPECT_NE(line.find("Nr=4"), std::string::npos);
  EXPECT_EQ(line.find("DEAD"), std::string::npos);
  EXPECT_NE(describe_response(from_hex("6A82")).find("6A82"), std::string::npos);
  EXPECT_EQ(describe_response(from_hex("90")), "malformed response, 1 bytes");
}

}  // namespace
}  // namespace sesame::server
