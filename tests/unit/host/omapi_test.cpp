// The Open Mobile API model (GlobalPlatform OMAPI v3.3 §6) over an InProcessReader on a memory
// store with the demo applet: the same code a phone app would run against a remote card. Expected
// card answers are the demo applet's (docs/CARD-RUNTIME.md; tests/unit/applets/demo_test.cpp).
#include "host/omapi.h"

#include <gtest/gtest.h>

#include "applets/builtin.h"
#include "applets/demo/demo_applet.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "host/in_process_reader.h"
#include "store/memory_store.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::host::omapi {
namespace {

const Bytes kDemoAid = from_hex("F0534553414D4501");
// FCI the demo applet answers a SELECT with: 6F { 84 <AID> }, then 9000.
constexpr const char* kDemoSelectResponse = "6F0A8408F0534553414D45019000";
// READ BINARY of EF.INFO by SFI 1: "sesame demo applet v1".
constexpr const char* kReadInfo = "00B0810015";
constexpr const char* kInfo = "736573616D652064656D6F206170706C65742076319000";

class OmapiTest : public ::testing::Test {
 protected:
  OmapiTest()
      : store(store::open_memory_store(crypto::random_secret(32))),
        registry(applets::builtin_registry()),
        cards(*store, registry) {
    seid = cards.create_card({.seid = "demo", .label = ""});
    cards.install_applet(seid, applets::demo::kModuleName, kDemoAid, {});
    service = std::make_unique<SEService>(
        std::vector<std::shared_ptr<host::Reader>>{std::make_shared<InProcessReader>(cards, seid)});
  }

  std::shared_ptr<Session> session() { return service->get_readers().at(0)->open_session(); }

  std::unique_ptr<store::Store> store;
  card::AppletRegistry registry;
  card::CardService cards;
  std::string seid;
  std::unique_ptr<SEService> service;
};

void expect_errc(Errc want, const std::function<void()>& f) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), want) << e.what();
  }
}

TEST_F(OmapiTest, ReadersAndSession) {
  auto readers = service->get_readers();
  ASSERT_EQ(readers.size(), 1u);
  EXPECT_EQ(readers[0]->get_name(), "in-process demo");
  EXPECT_EQ(service->get_reader("in-process demo"), readers[0]);
  expect_errc(Errc::not_found, [&] { service->get_reader("nope"); });
  EXPECT_TRUE(readers[0]->is_secure_element_present());
  auto s = readers[0]->open_session();
  EXPECT_EQ(s->get_atr(), cards.info(seid).atr);
  EXPECT_FALSE(s->get_atr().empty());
  EXPECT_EQ(s->get_reader(), readers[0]);
}

TEST_F(OmapiTest, LogicalChannelToTheDemoApplet) {
  auto s = session();
  auto ch = s->open_logical_channel(kDemoAid);
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->channel_number(), 1);  // the card assigns the first free channel
  EXPECT_FALSE(ch->is_basic_channel());
  EXPECT_EQ(to_hex(ch->get_select_response()), kDemoSelectResponse);

  EXPECT_EQ(to_hex(ch->transmit(from_hex(kReadInfo))), kInfo);
  // The channel number goes into CLA: VERIFY (CLA 00 -> 01) with the default PIN, then the
  // proprietary counter (CLA 80 -> 81), which needs the PIN: both reach the applet on channel 1.
  EXPECT_EQ(to_hex(ch->transmit(from_hex("002000810831323334FFFFFFFF"))), "9000");
  EXPECT_EQ(to_hex(ch->transmit(from_hex("8010000004"))), "000000019000");

  ch->close();
  EXPECT_TRUE(ch->is_closed());
  expect_errc(Errc::state, [&] { ch->transmit(from_hex(kReadInfo)); });
  ch->close();  // twice is harmless

  // MANAGE CHANNEL (close) freed channel 1 on the card: the next open gets it again.
  auto again = s->open_logical_channel(kDemoAid);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->channel_number(), 1);
}

TEST_F(OmapiTest, LogicalChannelsAndTheBasicChannel) {
  auto s = session();
  auto a = s->open_logical_channel(kDemoAid);
  ASSERT_NE(a, nullptr);
  // The demo applet is not multi-selectable: a second channel cannot select it while the first
  // has it (the runtime answers 6985), and the failed open gives its channel back.
  expect_errc(Errc::io, [&] { s->open_logical_channel(kDemoAid); });
  auto bare = s->open_logical_channel({});  // MANAGE CHANNEL only, nothing selected
  ASSERT_NE(bare, nullptr);
  EXPECT_EQ(bare->channel_number(), 2);
  EXPECT_TRUE(bare->get_select_response().empty());
  a->close();
  auto basic = s->open_basic_channel(kDemoAid);
  ASSERT_NE(basic, nullptr);
  EXPECT_TRUE(basic->is_basic_channel());
  EXPECT_EQ(basic->channel_number(), 0);
  EXPECT_EQ(to_hex(basic->get_select_response()), kDemoSelectResponse);
  EXPECT_EQ(to_hex(basic->transmit(from_hex(kReadInfo))), kInfo);
  // One basic channel at a time, across sessions: OMAPI answers null.
  EXPECT_EQ(session()->open_basic_channel(kDemoAid), nullptr);
  basic->close();
  EXPECT_NE(session()->open_basic_channel(kDemoAid), nullptr);
}

TEST_F(OmapiTest, SelectOfAnAbsentAidFailsAndFreesTheChannel) {
  auto s = session();
  expect_errc(Errc::not_found, [&] { s->open_logical_channel(from_hex("F0534553414D45FF")); });
  auto ch = s->open_logical_channel(kDemoAid);
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->channel_number(), 1);  // the failed open did not leak channel 1
}

TEST_F(OmapiTest, ChannelsRunOutWithNull) {
  auto s = session();
  std::vector<std::shared_ptr<Channel>> open;
  for (int i = 0; i < 25; ++i) {
    auto ch = s->open_logical_channel({});
    if (!ch) break;
    open.push_back(ch);
  }
  EXPECT_GE(open.size(), 3u);   // ISO 7816-4: at least channels 1-3
  EXPECT_LE(open.size(), 19u);  // and at most 1-19
  EXPECT_EQ(s->open_logical_channel({}), nullptr);
  open.back()->close();
  EXPECT_NE(s->open_logical_channel({}), nullptr);  // a closed channel can be had again
}

TEST_F(OmapiTest, TransmitRefusesWhatOnlyTheServiceMaySend) {
  auto ch = session()->open_logical_channel(kDemoAid);
  ASSERT_NE(ch, nullptr);
  expect_errc(Errc::invalid_argument, [&] { ch->transmit(from_hex("0070000001")); });  // MANAGE CHANNEL
  expect_errc(Errc::invalid_argument,
              [&] { ch->transmit(from_hex("00A4040008F0534553414D4501")); });            // SELECT by name
  expect_errc(Errc::invalid_argument, [&] { ch->transmit(from_hex("00B0")); });          // malformed
  expect_errc(Errc::invalid_argument, [&] { ch->transmit(from_hex("00B0810015FF")); });  // malformed
  // Still usable afterwards.
  EXPECT_EQ(to_hex(ch->transmit(from_hex(kReadInfo))), kInfo);
}

TEST_F(OmapiTest, BadArguments) {
  auto s = session();
  expect_errc(Errc::invalid_argument,
              [&] { s->open_logical_channel(kDemoAid, 0x02); });  // P2 not 00/04/08/0C
  expect_errc(Errc::invalid_argument, [&] { s->open_logical_channel(from_hex("F05345")); });  // AID < 5 bytes
}

TEST_F(OmapiTest, SessionCloseClosesItsChannels) {
  auto s = session();
  auto ch = s->open_logical_channel(kDemoAid);
  ASSERT_NE(ch, nullptr);
  s->close();
  EXPECT_TRUE(s->is_closed());
  EXPECT_TRUE(ch->is_closed());
  expect_errc(Errc::state, [&] { s->open_logical_channel(kDemoAid); });
  // The card's channel 1 was closed too.
  auto ch2 = session()->open_logical_channel(kDemoAid);
  ASSERT_NE(ch2, nullptr);
  EXPECT_EQ(ch2->channel_number(), 1);
}

TEST_F(OmapiTest, ShutdownPowersOffAndRefusesFurtherUse) {
  auto reader = service->get_readers().at(0);
  auto ch = reader->open_session()->open_logical_channel(kDemoAid);
  ASSERT_NE(ch, nullptr);
  EXPECT_TRUE(cards.info(seid).powered);
  service->shutdown();
  EXPECT_FALSE(service->is_connected());
  EXPECT_FALSE(cards.info(seid).powered);
  EXPECT_TRUE(ch->is_closed());
  expect_errc(Errc::state, [&] { reader->open_session(); });
  expect_errc(Errc::state, [&] { service->get_readers(); });
}

TEST_F(OmapiTest, SelectByPartialAidAndSelectNext) {
  auto ch = session()->open_logical_channel(from_hex("F0534553414D45"));  // partial AID of the demo
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(to_hex(ch->get_select_response()), kDemoSelectResponse);
  // The demo is the only applet matching the AID: no next occurrence, 6A82 (ISO/IEC 7816-4
  // §7.1.1), so select_next() answers false, and the channel stays usable with the demo selected.
  EXPECT_FALSE(ch->select_next());
  EXPECT_EQ(to_hex(ch->transmit(from_hex(kReadInfo))), kInfo);
  auto basic = session()->open_basic_channel({});
  ASSERT_NE(basic, nullptr);
  expect_errc(Errc::state, [&] { basic->select_next(); });  // nothing was selected by AID
}

TEST(InProcessReader, UnknownCardIsUnreachable) {
  auto store = store::open_memory_store(crypto::random_secret(32));
  auto registry = applets::builtin_registry();
  card::CardService cards(*store, registry);
  InProcessReader reader(cards, "nope");
  expect_errc(Errc::io, [&] { reader.connect(); });
  expect_errc(Errc::io, [&] { reader.transmit_raw(from_hex("00A4040000")); });
}

}  // namespace
}  // namespace sesame::host::omapi
