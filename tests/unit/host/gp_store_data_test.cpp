// host::gp personalisation: the DGI file parser, the STORE DATA block splitter, and personalise /
// store_sd_data / get_data end to end against a hosted card with the demo applet through the
// InProcessReader (the terminal code that also runs over PC/SC and RACS).
#include "host/gp/store_data.h"

#include <gtest/gtest.h>

#include "applets/builtin.h"
#include "applets/demo/demo_applet.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "host/in_process_reader.h"
#include "iso7816/gp_dgi.h"
#include "store/memory_store.h"
#include "util/error.h"
#include "util/hex.h"

#include "../common/expect_errc.h"

namespace sesame::host::gp {
namespace {

const Bytes kDemoAid = from_hex("F0534553414D4501");

TEST(GpDgiFileTest, ParsesHexStringsEncAndComments) {
  const auto d = parse_dgi_file(
      "# demo personalisation\n"
      "0102 5A5A 5A5A   # the secret file\n"
      "\n"
      "0103 \"a#record\"\r\n"
      "8101 enc \"9876\"\n"
      "0200 00000001\n"
      "0104\n");
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[0].tag, 0x0102);
  EXPECT_EQ(to_hex(d[0].value.view()), "5A5A5A5A");
  EXPECT_FALSE(d[0].encrypt);
  EXPECT_EQ(d[0].line, 2);
  EXPECT_EQ(to_hex(d[1].value.view()), to_hex(as_bytes(std::string_view("a#record"))));
  EXPECT_EQ(d[1].line, 4);
  EXPECT_EQ(d[2].tag, 0x8101);
  EXPECT_TRUE(d[2].encrypt);
  EXPECT_EQ(to_hex(d[2].value.view()), "39383736");
  EXPECT_TRUE(d[4].value.empty());
  EXPECT_TRUE(parse_dgi_file("").empty());
  EXPECT_TRUE(parse_dgi_file("# only a comment").empty());
}

TEST(GpDgiFileTest, RefusesMalformedLinesNamingTheLine) {
  for (const char* bad : {"01 AA", "01020 AA", "010G AA", "0102 ABC", "0102 XY", "0102 \"open", "0102 \"a\" b", "0102 enc \"x", "0102 AA \"b\""}) {
    try {
      parse_dgi_file(std::string("\n") + bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::parse) << bad;
      EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    }
  }
  std::string many;
  for (std::size_t i = 0; i <= kMaxDgiFileEntries; ++i) many += "0101 00\n";
  test::expect_errc(Errc::parse, [&] { parse_dgi_file(many); });
}

TEST(GpStoreDataBlocksTest, GroupsByEncryptionAndSize) {
  const Bytes dek(16, 0x40);
  std::vector<DgiEntry> d;
  d.push_back({0x0101, SecureBytes(Bytes(100, 1)), false, 1});
  d.push_back({0x0102, SecureBytes(Bytes(90, 2)), false, 2});   // 103 + 93 <= 200: same block
  d.push_back({0x0103, SecureBytes(Bytes(10, 3)), false, 3});   // would pass 200: next block
  d.push_back({0x8101, SecureBytes(Bytes(4, 4)), true, 4});     // encryption changes: next block
  const auto b = store_data_blocks(d, dek);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].p1, 0x08);
  EXPECT_EQ(b[0].data.size(), 103u + 93u);
  EXPECT_EQ(b[1].p1, 0x08);
  EXPECT_EQ(b[2].p1, 0xE8) << "last, encrypted, DGI format";
  const auto parsed = iso7816::gp::parse_dgis(b[2].data);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(to_hex(iso7816::gp::decrypt_dgi_value(dek, parsed[0].value.view()).view()), "04040404");
  const auto empty = store_data_blocks({}, dek);
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].p1, 0x88);
  EXPECT_TRUE(empty[0].data.empty());
}

class GpStoreDataTest : public ::testing::Test {
 protected:
  GpStoreDataTest()
      : store(store::open_memory_store(crypto::random_secret(32))), registry(applets::builtin_registry()), cards(*store, registry) {
    seid = cards.create_card({.seid = "gp", .label = ""});
    cards.install_applet(seid, applets::demo::kModuleName, kDemoAid, {});
    reader = std::make_unique<InProcessReader>(cards, seid);
  }

  std::unique_ptr<store::Store> store;
  card::AppletRegistry registry;
  card::CardService cards;
  std::string seid;
  std::unique_ptr<InProcessReader> reader;
};

TEST_F(GpStoreDataTest, PersonalisesTheDemoAppletFromADgiFile) {
  Scp03Options o;
  o.security_level = 0x33;
  auto s = Scp03Session::open(*reader, o);
  std::string file = "0200 0000002A\n8101 enc \"2468\"\n";
  for (int i = 0; i < 10; ++i) file += "0103 \"record " + std::to_string(i) + "\"\n";  // several blocks
  personalise(*s, kDemoAid, parse_dgi_file(file));
  EXPECT_EQ(reader->transmit({0x00, 0xA4, 0x04, 0x0C, kDemoAid, 0, false}).sw, 0x9000);
  EXPECT_EQ(to_hex(reader->transmit({0x80, 0x11, 0x00, 0x00, {}, 256, false}).data), "0000002A");
  EXPECT_EQ(reader->transmit({0x00, 0x20, 0x00, 0x81, from_hex("32343638"), 0, false}).sw, 0x9000);
  EXPECT_EQ(to_hex(reader->transmit({0x00, 0xB2, 0x0A, 0x1C, {}, 256, false}).data), to_hex(as_bytes(std::string_view("record 9"))));
}

TEST_F(GpStoreDataTest, ARefusalNamesTheStatusWordAndAppliesNothing) {
  auto s = Scp03Session::open(*reader, {});
  test::expect_errc(Errc::state, [&] { personalise(*s, kDemoAid, parse_dgi_file("0200 00000005\n8101 \"2468\"\n")); });  // a PIN in clear
  test::expect_errc(Errc::state, [&] { personalise(*s, from_hex("F0534553414D4509"), {}); });  // no such application
  EXPECT_EQ(reader->transmit({0x00, 0xA4, 0x04, 0x0C, kDemoAid, 0, false}).sw, 0x9000);
  EXPECT_EQ(to_hex(reader->transmit({0x80, 0x11, 0x00, 0x00, {}, 256, false}).data), "00000000");
}

TEST_F(GpStoreDataTest, IinAndCinThroughStoreDataAndGetData) {
  test::expect_errc(Errc::not_found, [&] { get_data(*reader, 0x0042); });
  {
    auto s = Scp03Session::open(*reader, {});
    store_sd_data(*s, from_hex("4203123456" "4504CAFEBABE"));
  }
  EXPECT_EQ(to_hex(get_data(*reader, 0x0042)), "4203123456");
  EXPECT_EQ(to_hex(get_data(*reader, 0x0045)), "4504CAFEBABE");
  EXPECT_EQ(get_data(*reader, 0x9F7F).size(), 45u);
  EXPECT_EQ(to_hex(get_data(*reader, 0x00C1)).substr(0, 4), "C103");
}

}  // namespace
}  // namespace sesame::host::gp
