// RacsSession against a real CardService on the memory store (no sockets): framing, APPEND,
// error responses, protocol errors that close, card locking between sessions, the APDU firewall
// and the audit log. APDUs of the demo applet: docs/CARD-RUNTIME.md, "The demo applet".
#include "server/racs/racs_session.h"

#include <gtest/gtest.h>

#include <memory>

#include "applets/builtin.h"
#include "card/applet.h"
#include "card/card_service.h"
#include "iso7816/status_word.h"
#include "server/demo_cards.h"
#include "server/racs/access_tables.h"
#include "store/memory_store.h"
#include "util/hex.h"

namespace sesame::server::racs {
namespace {

const Bytes kSixCAid = from_hex("F053455341ABCD01");

// Answers 80 CA 00 00 Le with 4 bytes when Le is 4, else 6C04 (the T=0 "wrong Le" answer).
class SixCApplet final : public card::Applet {
 public:
  iso7816::ResponseApdu process(const iso7816::CommandApdu& a, card::AppletContext& ctx) override {
    if (ctx.selecting()) return card::default_select_response(a, ctx.instance_aid());
    if (a.ins != 0xCA) iso7816::throw_sw(iso7816::Sw::ins_not_supported);
    if (a.ne != 4) return iso7816::ResponseApdu{{}, 0x6C04};
    return iso7816::ResponseApdu{{1, 2, 3, 4}, 0x9000};
  }
};

card::AppletRegistry registry() {
  card::AppletRegistry r = applets::builtin_registry();
  r.add(card::AppletModule{"test.sixc", from_hex("F053455341ABCD"), from_hex("F053455341ABCD00"), kSixCAid, true,
                           [] { return std::make_unique<SixCApplet>(); }});
  return r;
}

struct Fixture {
  std::unique_ptr<store::Store> store = store::open_memory_store(SecureBytes(ByteView(Bytes(32, 0x42))));
  card::AppletRegistry reg = registry();
  card::CardService cards{*store, reg};
  AccessPolicy policy;
  CardLocks locks;
  MemoryAudit audit;
  PolicySource policy_source = PolicySource::borrowing(policy);
  SessionEnv env{cards, policy_source, locks, audit, RacsLimits{}};

  Fixture() {
    create_demo_cards(cards);  // "demo" with sesame.demo at F0534553414D4501
    cards.create_card({"other", ""});
    cards.install_applet("other", "test.sixc", kSixCAid, {});
    policy.allow_all_seids("admin");
    policy.allow_seid("alice", "demo");
  }
  std::unique_ptr<RacsSession> session(const std::string& user, SessionId id = 1) {
    return std::make_unique<RacsSession>(env, id, user, "test");
  }
};

std::string run(RacsSession& s, const std::string& text) { return s.feed(text).text; }

TEST(RacsSession, EmptyRequestAnswersBegin) {
  Fixture f;
  auto s = f.session("admin");
  EXPECT_EQ(run(*s, "BEGIN\nEND\n"), "BEGIN\r\n+001 000 No error\r\nEND\r\n");
  EXPECT_EQ(run(*s, "BEGIN abc\r\nEND\r\n"), "BEGIN abc\r\n+001 000 No error\r\nEND\r\n");
}

TEST(RacsSession, ResultsReplaceEachOtherUnlessAppend) {
  Fixture f;
  auto s = f.session("admin");
  EXPECT_EQ(run(*s, "BEGIN\nECHO a\nECHO b\nEND\n"), "BEGIN\r\n+009 002 b\r\nEND\r\n");
  EXPECT_EQ(run(*s, "BEGIN x\nECHO a APPEND\nECHO b\nECHO c\nEND\n"),
            "BEGIN x\r\n+009 001 a\r\n+009 003 c\r\nEND\r\n");
  EXPECT_EQ(run(*s, "BEGIN\nGET-VERSION APPEND\nSET-VERSION 0.3 APPEND\nEND\n"),
            "BEGIN\r\n+002 001 0.3\r\n+002 002 Version 0.3 is running\r\nEND\r\n");
}

TEST(RacsSession, BytesMayArriveInAnyPieces) {
  Fixture f;
  auto s = f.session("admin");
  const std::string req = "BEGIN p\r\nECHO one APPEND\r\n\r\nECHO two\r\nEND\r\n";
  std::string got;
  for (char c : req) got += run(*s, std::string(1, c));
  EXPECT_EQ(got, "BEGIN p\r\n+009 001 one\r\n+009 002 two\r\nEND\r\n");
  // Two requests in one piece give two responses.
  EXPECT_EQ(run(*s, "BEGIN\nECHO 1\nEND\nBEGIN\nECHO 2\nEND\n"),
            "BEGIN\r\n+009 001 1\r\nEND\r\nBEGIN\r\n+009 001 2\r\nEND\r\n");
}

TEST(RacsSession, AnErrorReplacesTheResponseAndSkipsToEnd) {
  Fixture f;
  auto s = f.session("admin");
  const auto out = s->feed("BEGIN e\nECHO a APPEND\nSET-VERSION 9.9\nECHO lost\nFOO\nEND\n");
  EXPECT_EQ(out.text, "BEGIN e\r\n-402 002 SET-VERSION error, 9.9 is not supported\r\nEND\r\n");
  EXPECT_FALSE(out.close);  // even FOO, skipped with the rest, does not end the session
  EXPECT_EQ(run(*s, "BEGIN\nECHO next\nEND\n"), "BEGIN\r\n+009 001 next\r\nEND\r\n");
}

TEST(RacsSession, ProtocolErrorsCloseTheSession) {
  struct Case {
    std::string input, expected;
  };
  const std::vector<Case> cases = {
      {"ECHO x\n", "BEGIN\r\n-300 000 Invalid command line (ECHO x), waiting for BEGIN\r\nEND\r\n"},
      {"BEGIN\nBEGIN\n", "BEGIN\r\n-301 001 Duplicate BEGIN\r\nEND\r\n"},
      {"BEGIN " + std::string(65, 'n') + "\n", "BEGIN\r\n-302 000 Script name > 64\r\nEND\r\n"},
      {"BEGIN\nLIST\nPOKE 1\n", "BEGIN\r\n-100 002 POKE unknown command\r\nEND\r\n"},
      {"BEGIN\nECHO \x01\n", "BEGIN\r\n-305 001 Invalid character in command line (byte 1)\r\nEND\r\n"},
  };
  for (const auto& c : cases) {
    Fixture f;
    auto s = f.session("admin");
    const auto out = s->feed(c.input);
    EXPECT_EQ(out.text, c.expected) << c.input;
    EXPECT_TRUE(out.close) << c.input;
    EXPECT_EQ(s->feed("BEGIN\nEND\n").text, "") << "a closed session answers nothing";
  }
}

TEST(RacsSession, OversizeLineAndRequest) {
  Fixture f;
  f.env.limits.max_line_length = 300;
  f.env.limits.max_request_bytes = 1000;
  f.env.limits.max_request_lines = 10;
  auto s = f.session("admin");
  auto out = s->feed("BEGIN\nECHO " + std::string(400, 'a'));  // no LF yet: refused as it grows
  EXPECT_EQ(out.text, "BEGIN\r\n-303 000 Line longer than 300 bytes\r\nEND\r\n");
  EXPECT_TRUE(out.close);

  s = f.session("admin", 2);
  std::string many = "BEGIN\n";
  for (int i = 0; i < 20; ++i) many += "ECHO " + std::string(100, 'b') + "\n";
  out = s->feed(many);
  EXPECT_EQ(out.text.substr(0, 12), "BEGIN\r\n-304 ");
  EXPECT_TRUE(out.close);

  s = f.session("admin", 3);
  std::string lines = "BEGIN\n";
  for (int i = 0; i < 12; ++i) lines += "ECHO x\n";
  out = s->feed(lines);
  EXPECT_EQ(out.text, "BEGIN\r\n-304 010 Request too large\r\nEND\r\n");
  EXPECT_TRUE(out.close);
}

TEST(RacsSession, ListShowsOnlyTheUsersCards) {
  Fixture f;
  auto admin = f.session("admin", 1);
  auto alice = f.session("alice", 2);
  const std::string all = run(*admin, "BEGIN\nLIST\nEND\n");
  EXPECT_TRUE(all == "BEGIN\r\n+004 001 demo other\r\nEND\r\n" || all == "BEGIN\r\n+004 001 other demo\r\nEND\r\n")
      << all;
  EXPECT_EQ(run(*alice, "BEGIN\nLIST\nEND\n"), "BEGIN\r\n+004 001 demo\r\nEND\r\n");
  // A card alice may not see answers exactly like one that does not exist.
  EXPECT_EQ(run(*alice, "BEGIN\nPOWERON other\nEND\n"), "BEGIN\r\n-408 001 POWERON invalid SEID (other)\r\nEND\r\n");
  EXPECT_EQ(run(*alice, "BEGIN\nPOWERON nosuch\nEND\n"), "BEGIN\r\n-408 001 POWERON invalid SEID (nosuch)\r\nEND\r\n");
  EXPECT_EQ(run(*alice, "BEGIN\nAPDU other 00A4040000\nEND\n"), "BEGIN\r\n-406 001 APDU invalid SEID\r\nEND\r\n");
}

// create_demo_cards leaves nothing loaded (with PostgreSQL: the creating node keeps no lease).
TEST(RacsSession, DemoCardsAreNotLeftLoaded) {
  Fixture f;
  EXPECT_FALSE(f.cards.release("demo"));
  EXPECT_TRUE(f.cards.release("other")) << "install_applet loads a card; release is what unloads it";
}

TEST(RacsSession, PowerOnLocksTheCardUntilShutdown) {
  Fixture f;
  auto a = f.session("admin", 1);
  auto b = f.session("admin", 2);
  EXPECT_EQ(run(*a, "BEGIN\nPOWERON demo\nEND\n"),
            "BEGIN\r\n+008 001 SEID demo has been powered on, ATR=3B8C80018056534553414D4573F6215B28\r\nEND\r\n");
  EXPECT_EQ(run(*a, "BEGIN\nPOWERON demo\nEND\n"),
            "BEGIN\r\n+008 001 warning SEID demo was already powered, POWERON has been ignored\r\nEND\r\n");
  EXPECT_EQ(run(*b, "BEGIN\nPOWERON demo\nEND\n"),
            "BEGIN\r\n-708 001 POWERON error, SEID demo In Use, SHUTDOWN is required\r\nEND\r\n");
  EXPECT_EQ(run(*b, "BEGIN\nAPDU demo 00A4040008F0534553414D4501\nEND\n"),
            "BEGIN\r\n-706 001 APDU error, SEID demo already In Use, SHUTDOWN required\r\nEND\r\n");
  EXPECT_EQ(run(*b, "BEGIN\nRESET demo\nEND\n"),
            "BEGIN\r\n-705 001 RESET error, SEID demo already In Use, SHUTDOWN is required\r\nEND\r\n");
  EXPECT_EQ(run(*b, "BEGIN\nSHUTDOWN demo\nEND\n"), "BEGIN\r\n-707 001 SHUTDOWN error, SEID demo In Use\r\nEND\r\n");
  EXPECT_EQ(f.locks.holder("demo"), 1u);
  EXPECT_TRUE(f.cards.info("demo").powered);

  EXPECT_EQ(run(*a, "BEGIN\nSHUTDOWN demo\nEND\n"), "BEGIN\r\n+007 001 SEID demo has been powered off\r\nEND\r\n");
  EXPECT_FALSE(f.locks.holder("demo"));
  EXPECT_FALSE(f.cards.release("demo")) << "SHUTDOWN unloaded the card (with PostgreSQL: gave its lease back)";
  EXPECT_FALSE(f.cards.info("demo").powered);
  EXPECT_EQ(run(*b, "BEGIN\nPOWERON demo\nEND\n").substr(0, 20), "BEGIN\r\n+008 001 SEID");
}

TEST(RacsSession, AnApduTakesTheCardAndTheEndOfTheSessionGivesItBack) {
  Fixture f;
  auto a = f.session("admin", 1);
  auto b = f.session("admin", 2);
  EXPECT_EQ(run(*a, "BEGIN\nAPDU demo 00A4040008F0534553414D4501\nEND\n"),
            "BEGIN\r\n+006 001 6F0A8408F0534553414D45019000\r\nEND\r\n");
  EXPECT_EQ(f.locks.holder("demo"), 1u);
  EXPECT_EQ(run(*b, "BEGIN\nPOWERON demo\nEND\n").substr(0, 11), "BEGIN\r\n-708");
  a->end("test over");
  EXPECT_FALSE(f.locks.holder("demo"));
  EXPECT_FALSE(f.cards.release("demo")) << "the end of the session unloaded the card";
  EXPECT_FALSE(f.cards.info("demo").powered);
  EXPECT_EQ(run(*b, "BEGIN\nPOWERON demo\nEND\n").substr(0, 11), "BEGIN\r\n+008");
  bool found = false;
  for (const auto& l : f.audit.lines()) found = found || l == "session=1 user=admin end reason=\"test over\" apdus=1 cards_released=1";
  EXPECT_TRUE(found);
}

// A session keeps a handle on a card it holds and no longer asks the store per APDU whether the
// card exists; a card deleted under it must still answer as an unknown SEID, and the session go on.
TEST(RacsSession, AHeldCardDeletedMidSessionIsAnInvalidSeid) {
  Fixture f;
  auto a = f.session("admin");
  EXPECT_EQ(run(*a, "BEGIN\nAPDU demo 00A4040008F0534553414D4501\nEND\n"),
            "BEGIN\r\n+006 001 6F0A8408F0534553414D45019000\r\nEND\r\n");
  f.cards.delete_card("demo");
  const RacsSession::Output out = a->feed("BEGIN\nAPDU demo 00B0810000\nEND\n");
  EXPECT_EQ(out.text, "BEGIN\r\n-406 001 APDU invalid SEID\r\nEND\r\n");
  EXPECT_FALSE(out.close);
  EXPECT_EQ(run(*a, "BEGIN\nECHO still-here\nEND\n"), "BEGIN\r\n+009 001 still-here\r\nEND\r\n");
}

TEST(RacsSession, ResetNeedsPowerAndClearsSelection) {
  Fixture f;
  auto a = f.session("admin");
  EXPECT_EQ(run(*a, "BEGIN\nRESET demo\nEND\n"),
            "BEGIN\r\n-705 001 RESET error, SEID demo is powered off, POWERON is required\r\nEND\r\n");
  run(*a, "BEGIN\nAPDU demo 00A4040008F0534553414D4501\nEND\n");
  EXPECT_EQ(run(*a, "BEGIN\nRESET demo WARM\nEND\n"),
            "BEGIN\r\n+005 001 SEID demo has been reset (warm), ATR=3B8C80018056534553414D4573F6215B28\r\nEND\r\n");
  EXPECT_EQ(run(*a, "BEGIN\nAPDU demo 0084000008\nEND\n"),
            "BEGIN\r\n-606 001 APDU error, SEID demo, no AID has been selected on channel 0\r\nEND\r\n");
}

TEST(RacsSession, NothingReachesAnAppletBeforeAPermittedSelect) {
  Fixture f;
  auto a = f.session("admin");
  // GET CHALLENGE before any SELECT: refused, the card never sees it.
  EXPECT_EQ(run(*a, "BEGIN\nAPDU demo 0084000008\nEND\n"),
            "BEGIN\r\n-606 001 APDU error, SEID demo, no AID has been selected on channel 0\r\nEND\r\n");
  // SELECT "next occurrence" could reach another applet: refused.
  EXPECT_EQ(run(*a, "BEGIN\nAPDU demo 00A4040208F0534553414D4501\nEND\n"),
            "BEGIN\r\n-606 001 APDU error, SEID demo, SELECT by AID is allowed for the first occurrence only "
            "(P2 b2b1 = 00)\r\nEND\r\n");
  // A SELECT the card refuses (no such applet) selects nothing.
  EXPECT_EQ(run(*a, "BEGIN\nAPDU demo 00A4040005A000000999\nAPDU demo 0084000008\nEND\n"),
            "BEGIN\r\n-606 002 APDU error, SEID demo, no AID has been selected on channel 0\r\nEND\r\n");
  const std::string r = run(*a, "BEGIN\nAPDU demo 00A4040008F0534553414D4501 APPEND\nAPDU demo 0084000008\nEND\n");
  ASSERT_EQ(r.size(), std::string("BEGIN\r\n+006 001 6F0A8408F0534553414D45019000\r\n+006 002 ").size() + 20 + 7);
  EXPECT_EQ(r.substr(r.size() - 11), "9000\r\nEND\r\n");
}

TEST(RacsSession, ManageChannelOpensAChannelThatNeedsItsOwnSelect) {
  Fixture f;
  auto a = f.session("admin");
  EXPECT_EQ(run(*a, "BEGIN\nAPDU other 0070000001\nEND\n"), "BEGIN\r\n+006 001 019000\r\nEND\r\n");
  EXPECT_EQ(run(*a, "BEGIN\nAPDU other 81CA000004\nEND\n"),
            "BEGIN\r\n-606 001 APDU error, SEID other, no AID has been selected on channel 1\r\nEND\r\n");
  EXPECT_EQ(run(*a, "BEGIN\nAPDU other 01A4040008F053455341ABCD01\nAPDU other 81CA000004\nEND\n"),
            "BEGIN\r\n+006 002 010203049000\r\nEND\r\n");
  EXPECT_EQ(run(*a, "BEGIN\nAPDU other 0070800100\nAPDU other 81CA000004\nEND\n"),
            "BEGIN\r\n-606 002 APDU error, SEID other, no AID has been selected on channel 1\r\nEND\r\n");
}

TEST(RacsSession, SixCxxIsResentWithTheRightLe) {
  Fixture f;
  auto a = f.session("admin");
  EXPECT_EQ(run(*a, "BEGIN\nAPDU other 00A4040008F053455341ABCD01\nAPDU other 80CA000000\nEND\n"),
            "BEGIN\r\n+006 002 010203049000\r\nEND\r\n");
}

TEST(RacsSession, MoreFetchesChainedResponses) {
  Fixture f;
  auto a = f.session("admin");
  // SELECT with Le=01: the 12-byte FCI comes as 1 byte + 610B (docs/CARD-RUNTIME.md).
  EXPECT_EQ(run(*a, "BEGIN\nAPDU demo 00A4040008F0534553414D450101\nEND\n"), "BEGIN\r\n+006 001 6F610B\r\nEND\r\n");
  EXPECT_EQ(run(*a, "BEGIN\nAPDU demo 00A4040008F0534553414D450101 MORE=61\nEND\n"),
            "BEGIN\r\n+006 001 6F0A8408F0534553414D45019000\r\nEND\r\n");
  EXPECT_EQ(run(*a, "BEGIN\nAPDU demo 00A4040008F0534553414D450101 MORE=61 FETCH=00C00000\nEND\n"),
            "BEGIN\r\n+006 001 6F0A8408F0534553414D45019000\r\nEND\r\n");
  // A FETCH header is a command like any other: no SELECT through it.
  EXPECT_EQ(run(*a, "BEGIN\nAPDU demo 00A4040008F0534553414D450101 MORE=61 FETCH=00A40400\nEND\n"),
            "BEGIN\r\n-606 001 APDU error, FETCH FETCH must not be SELECT or MANAGE CHANNEL\r\nEND\r\n");
}

TEST(RacsSession, ContinueStopsTheRequestOnAnotherStatus) {
  Fixture f;
  auto a = f.session("admin");
  EXPECT_EQ(run(*a, "BEGIN\nAPDU demo 00A4040008F0534553414D4501 CONTINUE=9000 APPEND\nECHO done APPEND\nEND\n"),
            "BEGIN\r\n+006 001 6F0A8408F0534553414D45019000\r\n+009 002 done\r\nEND\r\n");
  EXPECT_EQ(run(*a, "BEGIN\nAPDU demo 00B0000000 CONTINUE=9000\nECHO lost\nEND\n"),
            "BEGIN\r\n-006 001 APDU wrong status\r\nEND\r\n");
}

// Tables in the reference server's format; the filter is its nopin.txt (VERIFY refused).
void install_tables(Fixture& f) {
  SeidPolicy p = parse_seid_table(
      "// AID or default   no=White_List yes=Black_List #SN list_of_SN\n"
      "F0534553414D4501    no  2 alice:nopin.txt admin\n"
      "default             yes 1 alice\n",
      "demo.txt", [](const std::string& name) -> std::string {
        EXPECT_EQ(name, "nopin.txt");
        return "// mask apdu\nFFFF0000 A0200000\nFFFF0000 80200000\nFFFF0000 00200000\n";
      });
  f.policy.set_seid_policy("demo", std::move(p));
}

TEST(RacsSession, ApduFilterRefusesAndTheAuditNeverHasThePin) {
  Fixture f;
  install_tables(f);
  auto alice = f.session("alice");
  EXPECT_EQ(run(*alice, "BEGIN\nAPDU demo 00A4040008F0534553414D4501\nEND\n"),
            "BEGIN\r\n+006 001 6F0A8408F0534553414D45019000\r\nEND\r\n");
  EXPECT_EQ(run(*alice, "BEGIN\nAPDU demo 002000810431323334\nEND\n"),
            "BEGIN\r\n-606 001 APDU error, SEID demo, APDU has been firewalled\r\nEND\r\n");
  // On another channel the filter holds too (channel bits are masked).
  // (The demo applet is not multi-selectable: reset, then select it on channel 1 only.)
  EXPECT_EQ(run(*alice, "BEGIN\nRESET demo\nAPDU demo 0070000001\nAPDU demo 01A4040008F0534553414D4501\nEND\n"),
            "BEGIN\r\n+006 003 6F0A8408F0534553414D45019000\r\nEND\r\n");
  EXPECT_EQ(run(*alice, "BEGIN\nAPDU demo 012000810431323334\nEND\n"),
            "BEGIN\r\n-606 001 APDU error, SEID demo, APDU has been firewalled\r\nEND\r\n");
  EXPECT_EQ(run(*alice, "BEGIN\nAPDU demo 0184000004\nEND\n").substr(0, 11), "BEGIN\r\n+006");
  EXPECT_EQ(run(*alice, "BEGIN\nAPDU demo 0084000004\nEND\n"),  // channel 0 lost its selection in the reset
            "BEGIN\r\n-606 001 APDU error, SEID demo, no AID has been selected on channel 0\r\nEND\r\n");
  // admin is on the white list without a filter: VERIFY reaches the card (wrong PIN: 63C2).
  auto admin = f.session("admin", 2);
  alice->end("done");
  EXPECT_EQ(run(*admin, "BEGIN\nAPDU demo 00A4040008F0534553414D4501\nAPDU demo 002000810439393939\nEND\n"),
            "BEGIN\r\n+006 002 63C2\r\nEND\r\n");
  bool refused_logged = false;
  for (const auto& l : f.audit.lines()) {
    EXPECT_EQ(l.find("31323334"), std::string::npos) << l;
    EXPECT_EQ(l.find("39393939"), std::string::npos) << l;
    refused_logged = refused_logged || l.find("refused CLA=00 INS=20 P1=00 P2=81 Lc=4") != std::string::npos;
  }
  EXPECT_TRUE(refused_logged);
}

TEST(RacsSession, WhiteAndBlackListsDecideSelect) {
  Fixture f;
  install_tables(f);
  f.policy.allow_seid("bob", "demo");
  auto bob = f.session("bob");
  // bob is not on the applet's white list.
  EXPECT_EQ(run(*bob, "BEGIN\nAPDU demo 00A4040008F0534553414D4501\nEND\n"),
            "BEGIN\r\n-606 001 APDU error, SEID demo, invalid AID, SELECT has been firewalled\r\nEND\r\n");
  // A prefix that the card would complete to that applet counts that applet's rule.
  EXPECT_EQ(run(*bob, "BEGIN\nAPDU demo 00A4040005F053455341\nEND\n").substr(0, 11), "BEGIN\r\n-606");
  // Other AIDs fall to the default line: a black list without bob.
  EXPECT_EQ(run(*bob, "BEGIN\nAPDU demo 00A4040005A000000999\nEND\n"), "BEGIN\r\n+006 001 6A82\r\nEND\r\n");
  // alice is black-listed by the default line.
  auto alice = f.session("alice", 2);
  bob->end("done");
  EXPECT_EQ(run(*alice, "BEGIN\nAPDU demo 00A4040005A000000999\nEND\n").substr(0, 11), "BEGIN\r\n-606");
  bool select_refused = false;
  for (const auto& l : f.audit.lines())
    select_refused = select_refused || l == "session=1 user=bob card=demo select aid=F0534553414D4501 channel=0 refused";
  EXPECT_TRUE(select_refused);
}

TEST(RacsSession, UnknownUserResponse) {
  EXPECT_EQ(RacsSession::unknown_user_response("mallory"), "BEGIN\r\n-600 000 user mallory is not authorized\r\nEND\r\n");
}

// sesamed reloads the tables on SIGHUP (PolicySource::replace): a session applies them from its
// next request, and what it had SELECTed under the old tables must be SELECTed again.
TEST(RacsSession, ReloadedTablesApplyFromTheNextRequestAndResetSelections) {
  Fixture f;
  AccessPolicy first;
  first.allow_seid("alice", "demo");
  PolicySource source(std::move(first));
  SessionEnv env{f.cards, source, f.locks, f.audit, RacsLimits{}};
  RacsSession alice(env, 7, "alice", "test");
  const std::string select = "BEGIN\nAPDU demo 00A4040008F0534553414D4501\nEND\n";
  EXPECT_EQ(run(alice, select), "BEGIN\r\n+006 001 6F0A8408F0534553414D45019000\r\nEND\r\n");
  EXPECT_EQ(run(alice, "BEGIN\nAPDU demo 0084000008\nEND\n").substr(0, 16), "BEGIN\r\n+006 001 ");

  // The new tables white-list only admin for the demo applet.
  AccessPolicy second;
  second.allow_seid("alice", "demo");
  second.set_seid_policy("demo", parse_seid_table("F0534553414D4501 no 1 admin\n", "demo.txt",
                                                  [](const std::string&) { return std::string(); }));
  source.replace(std::move(second));
  EXPECT_EQ(run(alice, "BEGIN\nAPDU demo 0084000008\nEND\n"),
            "BEGIN\r\n-606 001 APDU error, SEID demo, no AID has been selected on channel 0\r\nEND\r\n");
  EXPECT_EQ(run(alice, select),
            "BEGIN\r\n-606 001 APDU error, SEID demo, invalid AID, SELECT has been firewalled\r\nEND\r\n");
  bool logged = false;
  for (const auto& l : f.audit.lines()) logged = logged || l.find("user=alice access tables reloaded") != std::string::npos;
  EXPECT_TRUE(logged);

  // Tables without alice: she sees no card any more, though her session is still open.
  source.replace(AccessPolicy{});
  const std::string list = run(alice, "BEGIN\nLIST\nEND\n");
  EXPECT_EQ(list.substr(0, 16), "BEGIN\r\n+004 001 ");
  EXPECT_EQ(list.find("demo"), std::string::npos);
  EXPECT_EQ(run(alice, "BEGIN\nAPDU demo 0084000008\nEND\n"), "BEGIN\r\n-406 001 APDU invalid SEID\r\nEND\r\n");
}

}  // namespace
}  // namespace sesame::server::racs

