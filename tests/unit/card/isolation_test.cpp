// Security-status and record isolation of the card runtime (docs/THREATS.md RT-13, RT-14, RT-15),
// through CardService APDUs: a PIN verified on one logical channel authorises nothing on another,
// a closed and reopened channel starts empty, reset and power off forget the PIN, pending
// GET RESPONSE data and a half-sent command chain, and an applet instance cannot name another
// instance's records or the runtime's card/state, whatever bytes its keys contain.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <string>

#include "card/applet.h"
#include "card/applet_registry.h"
#include "card/card_state.h"
#include "card/filesystem.h"
#include "card/persistent.h"
#include "card/pin.h"
#include "card/record_journal.h"
#include "card_fixture.h"
#include "iso7816/status_word.h"
#include "util/hex.h"

namespace sesame::card {
namespace {

using iso7816::Sw;
using iso7816::throw_sw;

struct Chain {
  Bytes data;
};

// The demo applet's security model (docs/CARD-RUNTIME.md, "The demo applet") rebuilt on the
// runtime's own PinObject and FileSystem, because card_test does not link applets/: PIN "1234"
// (VERIFY 00 20 00 81, no data: status), EF 0102 (SFI 2, 32 bytes) read/update only after the PIN.
// Test instructions (CLA 80, or 90 for a chained part):
//  50: command chaining; the last part (CLA 80) returns every part's data received in this session
//  52: returns P1P2 bytes of 5A (long responses, GET RESPONSE)
//  40: raw records, the key is the data: P1 01 put key = instance AID, 02 get key,
//      03 keys(data) joined by '|', 04 erase_all()
class PinFileApplet final : public Applet {
 public:
  PinFileApplet() : pin_("pin", {.min_length = 4, .max_length = 8, .digits_only = true, .try_limit = 3}) {
    auto pin_ok = [this](AppletContext& ctx) { return pin_.validated(ctx); };
    FileSpec secret;
    secret.fid = 0x0102;
    secret.sfi = 2;
    secret.size = 32;
    secret.read = pin_ok;
    secret.update = pin_ok;
    fs_.add(kMasterFile, std::move(secret));
  }
  bool supports_chaining() const override { return true; }

  void install(AppletContext& ctx, ByteView) override { pin_.set(ctx.persistent(), as_bytes("1234")); }

  iso7816::ResponseApdu process(const iso7816::CommandApdu& a, AppletContext& ctx) override {
    if (ctx.selecting()) return default_select_response(a, ctx.instance_aid());
    if (auto r = fs_.process(a, ctx)) return *r;
    if ((a.cla & 0xFC) == 0x00 && a.ins == 0x20 && a.p2 == 0x81) {
      if (a.data.empty()) return {{}, pin_.status(ctx)};
      pin_.verify(ctx, a.data);
      return {};
    }
    if ((a.cla & 0xEC) != 0x80) throw_sw(Sw::cla_not_supported);
    const std::string key(a.data.begin(), a.data.end());
    switch (a.ins) {
      case 0x50: {
        auto& chain = ctx.session<Chain>().data;
        chain.insert(chain.end(), a.data.begin(), a.data.end());
        if (a.chained()) return {};
        Bytes all;
        all.swap(chain);
        return {all, 0x9000};
      }
      case 0x52:
        return {Bytes((std::size_t{a.p1} << 8) | a.p2, 0x5A), 0x9000};
      case 0x40:
        return records(a.p1, key, ctx);
      default:
        throw_sw(Sw::ins_not_supported);
    }
  }

 private:
  static iso7816::ResponseApdu records(std::uint8_t op, const std::string& key, AppletContext& ctx) {
    auto& p = ctx.persistent();
        switch (op) {
          case 0x01:
            p.put(key, ctx.instance_aid());
            return {};
          case 0x02: {
            auto v = p.get(key);
            if (!v) throw_sw(Sw::referenced_data_not_found);
            return {v->reveal(), 0x9000};
          }
          case 0x03: {
            std::string out;
            for (const auto& k : p.keys(key)) out += (out.empty() ? "" : "|") + k;
            return {Bytes(out.begin(), out.end()), 0x9000};
          }
          case 0x04:
            p.erase_all();
            return {};
          default:
            throw_sw(Sw::incorrect_p1p2);
        }
  }

  PinObject pin_;
  FileSystem fs_;
};

const Bytes kAidA = from_hex("A0000009990401");      // test.pin (not multi-selectable)
const Bytes kAidB = from_hex("A0000009990402");      // a second instance of test.pin
const Bytes kMultiAid = from_hex("A0000009990501");  // test.pin.multi (multi-selectable)

AppletRegistry pin_registry() {
  AppletRegistry r;
  r.add({"test.pin", from_hex("A00000099904"), from_hex("A0000009990400"), kAidA, false,
         [] { return std::make_unique<PinFileApplet>(); }});
  r.add({"test.pin.multi", from_hex("A00000099905"), from_hex("A0000009990500"), kMultiAid, true,
         [] { return std::make_unique<PinFileApplet>(); }});
  return r;
}

// The CLA byte for a basic interindustry command on logical channel 0-3 (ISO/IEC 7816-4 §5.4.1).
std::string cla(int channel) { return to_hex(Bytes{static_cast<std::uint8_t>(channel)}); }

class IsolationTest : public ::testing::Test, public testing::CardFixture {
 protected:
  IsolationTest() : CardFixture(pin_registry(), "isolation-1", "test") {
    service->install_applet(seid, "test.pin", kAidA, {});
    service->install_applet(seid, "test.pin", kAidB, {});
    service->install_applet(seid, "test.pin.multi", kMultiAid, {});
  }
  std::uint16_t select(int ch, const Bytes& aid) {
    return sw(cla(ch) + "A4040C" + to_hex(Bytes{static_cast<std::uint8_t>(aid.size())}) + to_hex(aid));
  }
  std::uint16_t verify(int ch) { return sw(cla(ch) + "2000810431323334"); }
  std::uint16_t pin_status(int ch) { return sw(cla(ch) + "20008100"); }
  std::uint16_t read_secret(int ch) { return sw(cla(ch) + "B0820000"); }
  std::uint16_t write_secret(int ch, const std::string& hex4) { return sw(cla(ch) + "D6820004" + hex4); }
  // Every raw record (key -> sealed-then-unsealed value, hex) whose key starts with `prefix`.
  std::map<std::string, std::string> raw(const std::string& prefix) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : store->open_card(seid)->load())
      if (k.rfind(prefix, 0) == 0) out.emplace(k, to_hex(v.view()));
    return out;
  }
  // Drives `how` (0 warm reset, 1 cold reset, 2 power off) on the card.
  void power_event(int how) {
    if (how == 0) service->reset(seid, true);
    if (how == 1) service->reset(seid, false);
    if (how == 2) service->power_off(seid);
  }
};

constexpr const char* kPowerEvents[] = {"warm reset", "cold reset", "power off"};

// --- RT-13: logical channels -------------------------------------------------------------------

TEST_F(IsolationTest, PinVerifiedOnOneChannelLeavesTheSameAppletOnAnotherUnauthorised) {
  ASSERT_EQ(select(0, kMultiAid), 0x9000);
  ASSERT_EQ(sw("0070000100"), 0x9000);  // open channel 1 (the ISD is selected on it)
  ASSERT_EQ(select(1, kMultiAid), 0x9000) << "multi-selectable: on channels 0 and 1 at once";
  EXPECT_EQ(verify(1), 0x9000);
  EXPECT_EQ(read_secret(1), 0x9000);
  EXPECT_EQ(write_secret(1, "CAFEBABE"), 0x9000);
  EXPECT_EQ(pin_status(1), 0x9000);
  EXPECT_EQ(read_secret(0), 0x6982) << "the same instance on channel 0 is not authorised";
  EXPECT_EQ(write_secret(0, "00000000"), 0x6982);
  EXPECT_EQ(pin_status(0), 0x63C3) << "not validated on channel 0; the shared try counter is full";
  // And the other way round, after channel 1 drops its status (VERIFY P1=FF is not in this applet:
  // reselecting clears the session).
  ASSERT_EQ(select(1, kMultiAid), 0x9000);
  EXPECT_EQ(read_secret(1), 0x6982);
  EXPECT_EQ(verify(0), 0x9000);
  EXPECT_EQ(read_secret(0), 0x9000);
  EXPECT_EQ(read_secret(1), 0x6982);
}

TEST_F(IsolationTest, PinVerifiedForOneAppletLeavesAnotherAppletOnAnotherChannelUnauthorised) {
  ASSERT_EQ(select(0, kAidA), 0x9000);
  ASSERT_EQ(sw("0070000100"), 0x9000);
  ASSERT_EQ(select(1, kAidB), 0x9000);
  EXPECT_EQ(verify(0), 0x9000);
  EXPECT_EQ(read_secret(0), 0x9000);
  EXPECT_EQ(read_secret(1), 0x6982) << "B on channel 1 does not inherit A's PIN on channel 0";
  EXPECT_EQ(write_secret(1, "00000000"), 0x6982);
  EXPECT_EQ(pin_status(1), 0x63C3);
}

// The instance is not multi-selectable: it can reach channel 1 only after channel 0 deselects it,
// and its verification on channel 0 does not travel with it.
TEST_F(IsolationTest, NonMultiselectableAppletMovedToAnotherChannelLeavesItsPinBehind) {
  ASSERT_EQ(select(0, kAidA), 0x9000);
  EXPECT_EQ(verify(0), 0x9000);
  ASSERT_EQ(sw("0070000100"), 0x9000);
  EXPECT_EQ(select(1, kAidA), 0x6985) << "selected on channel 0";
  ASSERT_EQ(select(0, kAidB), 0x9000);  // deselects A on channel 0
  ASSERT_EQ(select(1, kAidA), 0x9000);
  EXPECT_EQ(read_secret(1), 0x6982);
  EXPECT_EQ(pin_status(1), 0x63C3);
  EXPECT_EQ(read_secret(0), 0x6982) << "B on channel 0 was never verified either";
}

TEST_F(IsolationTest, ClosedAndReopenedChannelStartsWithNoSecurityStatus) {
  ASSERT_EQ(sw("0070000100"), 0x9000);
  ASSERT_EQ(select(1, kMultiAid), 0x9000);
  ASSERT_EQ(verify(1), 0x9000);
  ASSERT_EQ(read_secret(1), 0x9000);
  ASSERT_EQ(sw("0070800100"), 0x9000);  // close channel 1 from channel 0
  EXPECT_EQ(read_secret(1), 0x6881) << "closed";
  ASSERT_EQ(sw("0070000100"), 0x9000);  // reopened: the ISD is selected, not the applet
  EXPECT_NE(read_secret(1), 0x9000) << "the ISD has no EF 0102";
  ASSERT_EQ(select(1, kMultiAid), 0x9000);
  EXPECT_EQ(read_secret(1), 0x6982);
  EXPECT_EQ(pin_status(1), 0x63C3);

  // Closed by its own MANAGE CHANNEL, reopened by a SELECT by DF name on the closed channel.
  ASSERT_EQ(verify(1), 0x9000);
  ASSERT_EQ(sw("01708000"), 0x9000);
  ASSERT_EQ(select(1, kMultiAid), 0x9000) << "SELECT by DF name opens a closed channel";
  EXPECT_EQ(read_secret(1), 0x6982);
  EXPECT_EQ(pin_status(1), 0x63C3);
}

// --- RT-15: reset and power -------------------------------------------------------------------

TEST_F(IsolationTest, ResetAndPowerOffForgetAVerifiedPin) {
  for (int how = 0; how < 3; ++how) {
    SCOPED_TRACE(kPowerEvents[how]);
    ASSERT_EQ(select(0, kAidA), 0x9000);
    ASSERT_EQ(verify(0), 0x9000);
    ASSERT_EQ(read_secret(0), 0x9000);
    ASSERT_EQ(sw("0070000100"), 0x9000);
    ASSERT_EQ(select(1, kMultiAid), 0x9000);
    ASSERT_EQ(verify(1), 0x9000);
    power_event(how);
    EXPECT_NE(read_secret(0), 0x9000) << "the ISD is selected after the event";
    EXPECT_EQ(read_secret(1), 0x6881) << "channel 1 is closed";
    ASSERT_EQ(select(0, kAidA), 0x9000);
    EXPECT_EQ(read_secret(0), 0x6982) << "the PIN is needed again";
    EXPECT_EQ(pin_status(0), 0x63C3) << "and the try counter (persistent) is still full";
    ASSERT_EQ(select(1, kMultiAid), 0x9000);
    EXPECT_EQ(read_secret(1), 0x6982);
    EXPECT_EQ(verify(0), 0x9000);
    EXPECT_EQ(read_secret(0), 0x9000);
    power_event(2);  // start the next round from an unpowered card
  }
}

// docs/CARD-RUNTIME.md, "Command dispatch": GET RESPONSE without pending data is 6985.
TEST_F(IsolationTest, ResetAndPowerOffDropPendingGetResponseData) {
  ASSERT_EQ(select(0, kAidA), 0x9000);
  // Control: without an event the rest of a 300-byte answer is there.
  ASSERT_EQ(sw("8052012C00"), 0x612C);
  EXPECT_EQ(tx("00C0000000").data.size(), 44u);
  for (int how = 0; how < 3; ++how) {
    SCOPED_TRACE(kPowerEvents[how]);
    ASSERT_EQ(select(0, kAidA), 0x9000);
    ASSERT_EQ(sw("8052012C00"), 0x612C);
    ASSERT_EQ(sw("0070000100"), 0x9000);
    ASSERT_EQ(select(1, kMultiAid), 0x9000);
    ASSERT_EQ(sw("8152012C00"), 0x612C);
    power_event(how);
    const auto r = tx("00C0000000");
    EXPECT_EQ(r.sw, 0x6985);
    EXPECT_TRUE(r.data.empty());
    EXPECT_EQ(sw("01C0000000"), 0x6881) << "channel 1 and its pending data are gone";
    ASSERT_EQ(sw("0070000100"), 0x9000);
    EXPECT_EQ(sw("01C0000000"), 0x6985) << "a reopened channel has no pending data";
    power_event(2);  // start the next round with channel 1 closed
  }
}

TEST_F(IsolationTest, ResetAndPowerOffDropAPartialCommandChain) {
  ASSERT_EQ(select(0, kAidA), 0x9000);
  // Control: the chain's parts are joined when nothing happens between them.
  ASSERT_EQ(sw("9050000002AABB"), 0x9000);
  EXPECT_EQ(data("8050000002CCDD00"), "AABBCCDD");
  for (int how = 0; how < 3; ++how) {
    SCOPED_TRACE(kPowerEvents[how]);
    ASSERT_EQ(select(0, kAidA), 0x9000);
    ASSERT_EQ(sw("9050000002AABB"), 0x9000);
    power_event(how);
    ASSERT_EQ(select(0, kAidA), 0x9000);
    EXPECT_EQ(data("8050000002CCDD00"), "CCDD") << "the first part did not survive";
  }
}

// --- RT-14: records of other instances and of the runtime -------------------------------------

TEST_F(IsolationTest, TwoInstancesEachReadOnlyTheirOwnFile) {
  ASSERT_EQ(select(0, kAidA), 0x9000);
  ASSERT_EQ(verify(0), 0x9000);
  ASSERT_EQ(write_secret(0, "AAAAAAAA"), 0x9000);
  ASSERT_EQ(select(0, kAidB), 0x9000);
  ASSERT_EQ(verify(0), 0x9000);
  ASSERT_EQ(write_secret(0, "BBBBBBBB"), 0x9000);
  EXPECT_EQ(data("00B0820004"), "BBBBBBBB");
  ASSERT_EQ(select(0, kAidA), 0x9000);
  ASSERT_EQ(verify(0), 0x9000);
  EXPECT_EQ(data("00B0820004"), "AAAAAAAA");
  EXPECT_EQ(stored(kAidA, "fs/0102").substr(0, 8), "AAAAAAAA");
  EXPECT_EQ(stored(kAidB, "fs/0102").substr(0, 8), "BBBBBBBB");
  // After a restart too, and side by side on two channels.
  reload();
  ASSERT_EQ(select(0, kAidA), 0x9000);
  ASSERT_EQ(verify(0), 0x9000);
  ASSERT_EQ(sw("0070000100"), 0x9000);
  ASSERT_EQ(select(1, kAidB), 0x9000);
  ASSERT_EQ(verify(1), 0x9000);
  EXPECT_EQ(data("00B0820004"), "AAAAAAAA");
  EXPECT_EQ(data("01B0820004"), "BBBBBBBB");
}

TEST_F(IsolationTest, KeysWithSlashesDotsOrCardStateStayUnderTheWritersPrefix) {
  const std::string a = aid_key_prefix(kAidA), b = aid_key_prefix(kAidB);
  ASSERT_EQ(a, "A0000009990401/");
  const auto card_state_before = raw(kCardStateKey);
  const auto b_before = raw(b);
  ASSERT_EQ(card_state_before.size(), 1u);
  ASSERT_FALSE(b_before.empty());
  ASSERT_TRUE(b_before.count(b + "pin.value"));

  ASSERT_EQ(select(0, kAidA), 0x9000);
  const std::string keys[] = {"card/state", "/card/state", "../card/state", "..", "/", "../../",
                              "../" + b + "pin.value", "/../" + b + "pin.tries", b + "pin.value",
                              "\\..\\" + b + "fs/0102"};
  for (const auto& k : keys) ASSERT_EQ(sw("80400100" + to_hex(Bytes{static_cast<std::uint8_t>(k.size())}) + to_hex(as_bytes(k))), 0x9000) << k;

  for (const auto& k : keys) {
    const auto rec = raw(a + k);
    ASSERT_TRUE(rec.count(a + k)) << "'" << k << "' must be stored as '" << a << k << "'";
    EXPECT_EQ(rec.at(a + k), to_hex(kAidA)) << k;
  }
  EXPECT_EQ(raw(kCardStateKey), card_state_before) << "card/state untouched";
  EXPECT_EQ(raw(b), b_before) << "B's records untouched";

  // keys() with prefixes that try to climb out finds only A's own records.
  const auto keys_of = [&](const std::string& sub) {
    const auto r = tx(sub.empty() ? std::string("8040030000")
                                  : "80400300" + to_hex(Bytes{static_cast<std::uint8_t>(sub.size())}) + to_hex(as_bytes(sub)) + "00");
    EXPECT_EQ(r.sw, 0x9000) << sub;
    return std::string(r.data.begin(), r.data.end());
  };
  EXPECT_EQ(keys_of(".."), "..|../../|../" + b + "pin.value|../card/state");
  EXPECT_EQ(keys_of("card"), "card/state");
  EXPECT_EQ(keys_of(b), b + "pin.value");
  // Everything A lists is what it wrote plus its own PIN records: nothing of B, no card/state.
  std::vector<std::string> own(std::begin(keys), std::end(keys));
  own.insert(own.end(), {"pin.tries", "pin.value"});
  std::sort(own.begin(), own.end());
  std::string want;
  for (const auto& k : own) want += (want.empty() ? "" : "|") + k;
  EXPECT_EQ(keys_of(""), want);

  // erase_all() empties A and nothing else.
  ASSERT_EQ(sw("8040040000"), 0x9000);
  EXPECT_TRUE(raw(a).empty());
  EXPECT_EQ(raw(kCardStateKey), card_state_before);
  EXPECT_EQ(raw(b), b_before);

  // The card still loads, and B's PIN and file work as before.
  reload();
  ASSERT_EQ(select(0, kAidB), 0x9000);
  EXPECT_EQ(pin_status(0), 0x63C3);
  EXPECT_EQ(verify(0), 0x9000);
  EXPECT_EQ(read_secret(0), 0x9000);
}

// The same, one layer down: two Persistent views (as the runtime builds them) over one journal.
TEST(PersistentIsolation, ViewsOfTwoInstancesNeverMeet) {
  auto st = store::open_memory_store(crypto::random_secret(32));
  st->create_card("c");
  auto cs = st->open_card("c");
  RecordJournal journal(*cs);
  journal.load();
  journal.put(kCardStateKey, SecureBytes{0x01});
  const std::string pa = aid_key_prefix(kAidA), pb = aid_key_prefix(kAidB);
  Persistent a(journal, pa), b(journal, pb);
  b.put("pin.value", SecureBytes{0xB0});
  journal.commit();

  for (const std::string& k : std::vector<std::string>{"card/state", "../card/state", "/" + pb + "pin.value", "../" + pb + "pin.value", ".."})
    a.put(k, SecureBytes{0xA0});
  EXPECT_FALSE(a.contains(pb + "x")) << "nothing of B is visible under any name";
  EXPECT_FALSE(a.get("pin.value"));
  EXPECT_FALSE(a.get("../" + pb + "x"));
  journal.commit();

  const auto records = cs->load();
  std::map<std::string, std::string> got;
  for (const auto& [k, v] : records) got.emplace(k, to_hex(v.view()));
  const std::map<std::string, std::string> want = {
      {"card/state", "01"},
      {pa + "card/state", "A0"},
      {pa + "../card/state", "A0"},
      {pa + "/" + pb + "pin.value", "A0"},
      {pa + "../" + pb + "pin.value", "A0"},
      {pa + "..", "A0"},
      {pb + "pin.value", "B0"},
  };
  EXPECT_EQ(got, want);
  EXPECT_EQ(b.keys(), std::vector<std::string>{"pin.value"});
  a.erase_all();
  journal.commit();
  got.clear();
  for (const auto& [k, v] : cs->load()) got.emplace(k, to_hex(v.view()));
  EXPECT_EQ(got, (std::map<std::string, std::string>{{"card/state", "01"}, {pb + "pin.value", "B0"}}));
}

}  // namespace
}  // namespace sesame::card
