#include "iso7816/response_chaining.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "util/error.h"
#include "util/hex.h"

#include "../common/filled.h"

namespace sesame::iso7816 {
namespace {

using test::filled;

// A card that expects an exact sequence of command APDUs and answers each from its script.
class ScriptedCard {
 public:
  void expect(const std::string& command_hex, Bytes response) {
    script_.emplace_back(from_hex(command_hex), std::move(response));
  }
  void expect(const std::string& command_hex, const std::string& response_hex) {
    expect(command_hex, from_hex(response_hex));
  }
  TransmitRaw transmit() {
    return [this](ByteView cmd) {
      if (next_ >= script_.size()) {
        ADD_FAILURE() << "unexpected command " << to_hex(cmd);
        throw std::runtime_error("script exhausted");
      }
      const auto& [want, answer] = script_[next_++];
      EXPECT_EQ(to_hex(cmd), to_hex(want)) << "command #" << next_;
      return answer;
    };
  }
  bool done() const { return next_ == script_.size(); }
  std::size_t sent() const { return next_; }

 private:
  std::vector<std::pair<Bytes, Bytes>> script_;
  std::size_t next_ = 0;
};

CommandApdu cmd(const std::string& hex) { return CommandApdu::parse(from_hex(hex)); }

}  // namespace

TEST(ResponseChaining, PlainAnswerIsPassedThrough) {
  ScriptedCard card;
  card.expect("00A4040007A000000003101000", "6F0184" "9000");
  const auto r = transceive(card.transmit(), cmd("00A4040007A000000003101000"));
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(r.data, from_hex("6F0184"));
  EXPECT_TRUE(card.done());

  ScriptedCard err;
  err.expect("00A4040007A000000003101000", "6A82");
  EXPECT_EQ(transceive(err.transmit(), cmd("00A4040007A000000003101000")).sw, 0x6A82);
}

// T=0 case 4: the card answers 61xx and the terminal fetches the data (ISO/IEC 7816-3 §12.2.3,
// the transcript shape of EMV Book 1 Annex A5).
TEST(ResponseChaining, GetResponseAfter61xx) {
  ScriptedCard card;
  card.expect("00A4040007A0000000031010", "6110");
  const Bytes fci = filled(16, 0x60);
  card.expect("00C0000010", concat({fci, from_hex("9000")}));
  const auto r = transceive(card.transmit(), cmd("00A4040007A0000000031010"));
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(r.data, fci);
  EXPECT_TRUE(card.done());
}

TEST(ResponseChaining, ConcatenatesSeveralRoundsAnd6100Means256) {
  ScriptedCard card;
  const Bytes a = filled(4, 0x00), b = filled(8, 0x10), c = filled(256, 0x20), d = filled(3, 0x30);
  card.expect("00B0000000", concat({a, from_hex("6108")}));
  card.expect("00C0000008", concat({b, from_hex("6100")}));
  card.expect("00C0000000", concat({c, from_hex("6103")}));
  card.expect("00C0000003", concat({d, from_hex("6282")}));  // ends with a warning
  const auto r = transceive(card.transmit(), cmd("00B0000000"));
  EXPECT_EQ(r.sw, 0x6282);
  EXPECT_EQ(r.data, concat({a, b, c, d}));
  EXPECT_TRUE(card.done());
}

TEST(ResponseChaining, ErrorAfterChainKeepsCollectedData) {
  ScriptedCard card;
  card.expect("80CA9F7F00", concat({filled(5, 1), from_hex("6105")}));
  card.expect("00C0000005", "6F00");
  const auto r = transceive(card.transmit(), cmd("80CA9F7F00"));
  EXPECT_EQ(r.sw, 0x6F00);
  EXPECT_EQ(r.data, filled(5, 1));
  EXPECT_TRUE(card.done());
}

TEST(ResponseChaining, WrongLeIsRetriedOnceWithExactLe) {
  ScriptedCard card;
  card.expect("00B0000000", "6C0A");
  card.expect("00B000000A", concat({filled(10, 9), from_hex("9000")}));
  const auto r = transceive(card.transmit(), cmd("00B0000000"));
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(r.data, filled(10, 9));
  EXPECT_TRUE(card.done());

  ScriptedCard c256;  // 6C00 means Le=00 (256)
  c256.expect("00B0000010", "6C00");
  c256.expect("00B0000000", concat({filled(256, 0), from_hex("9000")}));
  EXPECT_EQ(transceive(c256.transmit(), cmd("00B0000010")).data.size(), 256u);

  ScriptedCard case3;  // a case 3 command becomes case 4 with the Le the card asked for
  case3.expect("0088000004AABBCCDD", "6C08");
  case3.expect("0088000004AABBCCDD08", concat({filled(8, 0), from_hex("9000")}));
  EXPECT_TRUE(transceive(case3.transmit(), cmd("0088000004AABBCCDD")).ok());
}

TEST(ResponseChaining, WrongLeOnlyOnce) {
  ScriptedCard card;
  card.expect("00B0000000", "6C0A");
  card.expect("00B000000A", "6C0B");  // a card that keeps changing its mind gets no third try
  const auto r = transceive(card.transmit(), cmd("00B0000000"));
  EXPECT_EQ(r.sw, 0x6C0B);
  EXPECT_TRUE(r.data.empty());
  EXPECT_TRUE(card.done());
}

TEST(ResponseChaining, WrongLeThenMoreData) {
  ScriptedCard card;
  card.expect("00B2010C00", "6C20");
  card.expect("00B2010C20", concat({filled(0x20, 0), from_hex("6102")}));
  card.expect("00C0000002", "6C01");  // GET RESPONSE with the wrong Le is retried once too
  card.expect("00C0000001", concat({from_hex("AA"), from_hex("9000")}));
  const auto r = transceive(card.transmit(), cmd("00B2010C00"));
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(r.data, concat({filled(0x20, 0), from_hex("AA")}));
  EXPECT_TRUE(card.done());
}

TEST(ResponseChaining, GetResponseUsesTheCommandsChannel) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"03", "03"},  // first interindustry channel 3
      {"0D", "01"},  // SM on channel 1: GET RESPONSE goes without SM
      {"45", "45"},  // further interindustry channel 9
      {"6B", "4B"},  // further with SM, channel 15
      {"4F", "4F"},  // channel 19
      {"84", "00"},  // GlobalPlatform SM on the basic channel
      {"E2", "42"},  // GlobalPlatform SM on channel 6
      {"FF", "00"},  // no channel coding: basic channel
  };
  for (const auto& [cla, gr_cla] : cases) {
    SCOPED_TRACE(cla);
    ScriptedCard card;
    card.expect(cla + "CA010100", "6102");
    card.expect(gr_cla + "C0000002", "AABB9000");
    const auto r = transceive(card.transmit(), cmd(cla + "CA010100"));
    EXPECT_EQ(r.data, from_hex("AABB"));
    EXPECT_TRUE(card.done());
  }
  EXPECT_EQ(get_response_command(7, 0x00).encode(), from_hex("43C0000000"));
}

TEST(ResponseChaining, ExtendedCommandGetsShortGetResponse) {
  ScriptedCard c2;
  const Bytes data = filled(257, 0);
  const Bytes raw = concat({from_hex("002A8086000101"), data, from_hex("0000")});
  c2.expect(to_hex(raw), concat({filled(256, 1), from_hex("6100")}));
  c2.expect("00C0000000", concat({filled(256, 2), from_hex("9000")}));
  const auto r = transceive(c2.transmit(), CommandApdu::parse(raw));
  EXPECT_EQ(r.data, concat({filled(256, 1), filled(256, 2)}));
  EXPECT_TRUE(c2.done());
}

TEST(ResponseChaining, HostileCardCannotLoopForever) {
  ScriptedCard card;
  card.expect("00B0000000", "AA6101");
  for (int i = 0; i < 10; ++i) card.expect("00C0000001", "BB6101");
  try {
    transceive(card.transmit(), cmd("00B0000000"), ChainingLimits{10, 1 << 20});
    ADD_FAILURE() << "no limit";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::parse);
    EXPECT_NE(std::string(e.what()).find("after 10 rounds"), std::string::npos) << e.what();
  }
  EXPECT_EQ(card.sent(), 11u);
  EXPECT_TRUE(card.done());

  // Exactly at the limit is fine.
  ScriptedCard ok;
  ok.expect("00B0000000", "AA6101");
  for (int i = 0; i < 9; ++i) ok.expect("00C0000001", "BB6101");
  ok.expect("00C0000001", "CC9000");
  EXPECT_EQ(transceive(ok.transmit(), cmd("00B0000000"), ChainingLimits{10, 1 << 20}).data.size(), 11u);
}

TEST(ResponseChaining, TotalBytesAreCapped) {
  ScriptedCard card;
  card.expect("00B0000000", concat({filled(256, 0), from_hex("6100")}));
  card.expect("00C0000000", concat({filled(256, 0), from_hex("9000")}));
  try {
    transceive(card.transmit(), cmd("00B0000000"), ChainingLimits{100, 300});
    ADD_FAILURE() << "no byte cap";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::parse);
    EXPECT_NE(std::string(e.what()).find("more than 300 bytes"), std::string::npos) << e.what();
  }
  ScriptedCard exact;
  exact.expect("00B0000000", concat({filled(256, 0), from_hex("6100")}));
  exact.expect("00C0000000", concat({filled(44, 0), from_hex("9000")}));
  EXPECT_EQ(transceive(exact.transmit(), cmd("00B0000000"), ChainingLimits{100, 300}).data.size(), 300u);
}

TEST(ResponseChaining, MalformedAnswersAndTransportErrors) {
  ScriptedCard card;
  card.expect("00B0000000", "90");
  try {
    transceive(card.transmit(), cmd("00B0000000"));
    ADD_FAILURE() << "one-byte answer accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::parse);
  }
  ScriptedCard mid;
  mid.expect("00B0000000", "6104");
  mid.expect("00C0000004", Bytes{});
  EXPECT_THROW(transceive(mid.transmit(), cmd("00B0000000")), Error);

  const TransmitRaw broken = [](ByteView) -> Bytes { throw Error(Errc::io, "reader removed"); };
  try {
    transceive(broken, cmd("00B0000000"));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::io);
  }
}

}  // namespace sesame::iso7816
