// The eID terminal (host/eid) against the hosted sesame.eid card through the in-process reader,
// and against the published APDU transcript of ICAO Doc 9303-11 Appendix G.1.
#include "host/eid/eid_terminal.h"

#include <gtest/gtest.h>

#include <deque>
#include <utility>

#include "eid_card_harness.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::host::eid {
namespace {

using testing::HostedEid;

std::uint16_t refused_sw(const std::function<void()>& f) {
  try {
    f();
  } catch (const CardRefused& e) {
    return e.sw();
  }
  return 0x9000;
}

TEST(EidTerminal, PinThenChipAuthenticationThenIdentity) {
  HostedEid card;
  EidTerminal t(card.reader);
  t.pace(PacePassword::pin(testing::kPin));
  EXPECT_TRUE(t.secure());
  const Bytes dg14 = t.chip_authentication();
  EXPECT_EQ(iso7816::parse_dg14(dg14).chip_authentication_keys.size(), 1u);
  EXPECT_TRUE(t.chip_authenticated());
  EXPECT_EQ(t.read_file_sfi(0x01), testing::kDg1);
  EXPECT_EQ(t.read_file_fid(applets::eid::kDg13), testing::kDg13);  // 4 chunks under SM
  EXPECT_EQ(t.read_file_sfi(0x1D), testing::kSod);
}

TEST(EidTerminal, CanAndMrzOpenThePaceChannel) {
  HostedEid card;
  EidTerminal t(card.reader);
  t.pace(PacePassword::can(testing::kCan));
  EXPECT_FALSE(t.read_file_sfi(0x0E).empty());
  t.pace(PacePassword::mrz("T22000129", "640812", "101031"));
  EXPECT_FALSE(t.read_file_sfi(0x1E).empty());
}

TEST(EidTerminal, WrongPinIsRefusedWithTheCounter) {
  HostedEid card;
  EidTerminal t(card.reader);
  EXPECT_EQ(refused_sw([&] { t.pace(PacePassword::pin("000000")); }), 0x63C2);
  EXPECT_FALSE(t.secure());
  EXPECT_EQ(refused_sw([&] { t.pace(PacePassword::pin("000001")); }), 0x63C1);
  EXPECT_EQ(refused_sw([&] { t.pace(PacePassword::pin(testing::kPin)); }), 0x6982) << "suspended";
  // Resume: CAN, then the PIN on the CAN channel (no new SELECT, which would drop it).
  t.pace(PacePassword::can(testing::kCan));
  PaceOptions keep;
  keep.select_aid.reset();
  t.pace(PacePassword::pin(testing::kPin), keep);
  EXPECT_TRUE(t.secure());
  EXPECT_FALSE(t.read_file_sfi(0x0E).empty());
}

TEST(EidTerminal, FailedPinUnderCanChannelEndsIt) {
  HostedEid card;
  EidTerminal t(card.reader);
  t.pace(PacePassword::can(testing::kCan));
  PaceOptions keep;
  keep.select_aid.reset();
  EXPECT_EQ(refused_sw([&] { t.pace(PacePassword::pin("999999"), keep); }), 0x63C2);
  EXPECT_FALSE(t.secure()) << "the card ended the CAN session with the failed PACE";
  t.pace(PacePassword::can(testing::kCan));  // a fresh start works
  EXPECT_FALSE(t.read_file_sfi(0x0E).empty());
}

TEST(EidTerminal, IdentityBeforeChipAuthenticationIsRefused) {
  HostedEid card;
  EidTerminal t(card.reader);
  t.pace(PacePassword::pin(testing::kPin));
  EXPECT_EQ(refused_sw([&] { t.read_file_sfi(0x01); }), 0x6982);
  EXPECT_TRUE(t.secure()) << "a protected error keeps the channel";
}

TEST(EidTerminal, SecondChipAuthenticationIsRefused) {
  HostedEid card;
  EidTerminal t(card.reader);
  t.pace(PacePassword::can(testing::kCan));
  t.chip_authentication();
  EXPECT_EQ(refused_sw([&] { t.chip_authentication(); }), 0x6985);
}

TEST(EidTerminal, ChipAuthenticationNeedsPace) {
  HostedEid card;
  EidTerminal t(card.reader);
  EXPECT_THROW(t.chip_authentication(), Error);
  EXPECT_EQ(refused_sw([&] {
              t.transmit({0x00, 0xA4, 0x04, 0x0C, {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}, 0, false});
              t.read_file_sfi(0x0E);
            }),
            0x6982);
}

TEST(EidTerminal, OtherCurves) {
  // P-256 (12) and brainpoolP384r1 (16), ICAO 9303-11 Table 6.
  for (std::uint8_t id : {12, 16}) {
    HostedEid card;  // a second card on the same service, on that curve
    Bytes params = testing::eid_install_params();
    append_tlv(params, applets::eid::kTagCurve, Bytes{id});
    card.cards.create_card({.seid = "eid-other", .label = ""});
    card.cards.install_applet("eid-other", applets::eid::kModuleName,
                              applets::eid::module().default_instance_aid, params);
    InProcessReader reader(card.cards, "eid-other");
    reader.connect();
    EidTerminal t(reader);
    t.pace(PacePassword::pin(testing::kPin));
    const auto infos = iso7816::parse_security_infos(t.card_access());
    EXPECT_EQ(infos.pace.at(0).parameter_id, id);
    t.chip_authentication();
    EXPECT_EQ(t.read_file_sfi(0x01), testing::kDg1);
  }
}

// A card that answers a fixed transcript and fails the test on any other command.
class ScriptedReader final : public Reader {
 public:
  explicit ScriptedReader(std::deque<std::pair<std::string, std::string>> script)
      : script_(std::move(script)) {}
  std::string name() const override { return "scripted"; }
  Bytes connect() override { return {}; }
  void disconnect() override {}
  Bytes reset(bool) override { return {}; }
  Bytes transmit_raw(ByteView command) override {
    if (script_.empty()) fail(Errc::io, "scripted: no more commands expected");
    auto [expected, answer] = script_.front();
    script_.pop_front();
    EXPECT_EQ(to_hex(command), to_hex(from_hex(expected)));
    return from_hex(answer);
  }
  bool done() const { return script_.empty(); }

 private:
  std::deque<std::pair<std::string, std::string>> script_;
};

TEST(EidTerminalIcaoG1, ReproducesThePublishedTranscript) {
  // ICAO Doc 9303-11 Appendix G.1: the terminal's APDUs with its published keys SK_Map,IFD and
  // SK_DH,IFD, and the chip's published answers. MSE:Set AT there carries no '84'.
  const std::string pk_map_ifd =
      "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E"
      "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D";
  const std::string pk_map_ic =
      "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"
      "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54";
  const std::string pk_dh_ifd =
      "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C"
      "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462";
  const std::string pk_dh_ic =
      "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
      "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094";
  ScriptedReader reader({
      {"0022C1A40F800A04007F00070202040202830101", "9000"},
      {"10860000027C0000", "7C12801095A3A016522EE98D01E76CB6B98B42C39000"},
      {"10860000457C438141" + pk_map_ifd + "00", "7C438241" + pk_map_ic + "9000"},
      {"10860000457C438341" + pk_dh_ifd + "00", "7C438441" + pk_dh_ic + "9000"},
      {"008600000C7C0A8508C2B0BD78D94BA86600", "7C0A86083ABB9674BCE93C089000"},
  });
  std::deque<std::string> keys{"7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99",
                               "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"};
  PaceOptions options;
  options.select_aid.reset();
  options.send_parameter_id = false;
  options.key_pair = [&](const crypto::EcPoint& g) {
    const SecureBytes d(from_hex(keys.front()));
    keys.pop_front();
    return crypto::EcKeyPairOnGenerator::from_scalar(g, d);
  };
  EidTerminal t(reader);
  const auto info =
      iso7816::parse_security_infos(from_hex("31143012060A04007F0007020204020202010202010D")).pace.at(0);
  t.pace(PacePassword::mrz("T22000129", "640812", "101031"), info, options);
  EXPECT_TRUE(reader.done());
  ASSERT_TRUE(t.secure());
  // The channel runs on KSenc/KSmac of Appendix G.1.
  iso7816::SecureMessaging expected(SecureBytes(from_hex("F5F0E35C0D7161EE6724EE513A0D9A7F")),
                                    SecureBytes(from_hex("FE251C7858B356B24514B3BD5F4297D1")));
  EXPECT_EQ(t.channel()->session().mac(from_hex("01")), expected.mac(from_hex("01")));
  EXPECT_EQ(t.channel()->session().encrypt(from_hex("01")), expected.encrypt(from_hex("01")));
}

TEST(EidTerminalIcaoG1, WrongChipTokenIsRefused) {
  const std::string pk_map_ic =
      "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"
      "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54";
  const std::string pk_dh_ic =
      "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
      "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094";
  std::deque<std::pair<std::string, std::string>> script{
      {"0022C1A40F800A04007F00070202040202830101", "9000"},
      {"10860000027C0000", "7C12801095A3A016522EE98D01E76CB6B98B42C39000"},
      {"10860000457C438141047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB67252187"
       "9"
       "9115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D00",
       "7C438241" + pk_map_ic + "9000"},
      {"10860000457C438341042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10"
       "B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB3646200",
       "7C438441" + pk_dh_ic + "9000"},
      {"008600000C7C0A8508C2B0BD78D94BA86600", "7C0A86083ABB9674BCE93C099000"},  // last byte altered
  };
  ScriptedReader reader(script);
  std::deque<std::string> keys{"7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99",
                               "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"};
  PaceOptions options;
  options.select_aid.reset();
  options.send_parameter_id = false;
  options.key_pair = [&](const crypto::EcPoint& g) {
    const SecureBytes d(from_hex(keys.front()));
    keys.pop_front();
    return crypto::EcKeyPairOnGenerator::from_scalar(g, d);
  };
  EidTerminal t(reader);
  const auto info =
      iso7816::parse_security_infos(from_hex("31143012060A04007F0007020204020202010202010D")).pace.at(0);
  try {
    t.pace(PacePassword::mrz("T22000129", "640812", "101031"), info, options);
    FAIL() << "a wrong chip token was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::crypto);
  }
  EXPECT_FALSE(t.secure());
}

}  // namespace
}  // namespace sesame::host::eid
