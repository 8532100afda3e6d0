// How CardService failures reach a RACS client: the mapping table (card_failure.h) directly, and
// end to end through a session over a real SQLite store holding a tampered card and a card whose
// applet module is missing. A card leased to another node (store::CardLeased) can only be provoked
// with PostgreSQL (tests/integration/racs_failover_test.py); here its mapping is tested directly.
#include "server/racs/card_failure.h"

#include <gtest/gtest.h>

#include "broken_cards.h"
#include "server/racs/racs_session.h"
#include "store/store.h"

namespace sesame::server::racs {
namespace {

std::string line_of(CommandCode cmd, const std::exception_ptr& e, const std::string& seid = "c1") {
  const RacsError r = card_failure(cmd, seid, e);
  EXPECT_FALSE(r.closes_session);
  char code[8];
  std::snprintf(code, sizeof code, "-%03d", r.code());
  return std::string(code) + " " + r.text;
}

TEST(RacsCardFailure, LeasedByAnotherNodeIsInUse) {
  const auto leased = std::make_exception_ptr(store::CardLeased("c1", "node-b"));
  EXPECT_EQ(line_of(CommandCode::power_on, leased), "-708 POWERON error, SEID c1 In Use, served by another node");
  EXPECT_EQ(line_of(CommandCode::apdu, leased), "-706 APDU error, SEID c1 In Use, served by another node");
  EXPECT_EQ(line_of(CommandCode::reset, leased), "-705 RESET error, SEID c1 In Use, served by another node");
  // The node's name stays in the log, not in the answer.
  EXPECT_EQ(line_of(CommandCode::apdu, leased).find("node-b"), std::string::npos);
}

TEST(RacsCardFailure, LoadFailuresAreHardwareErrors) {
  for (const Errc c : {Errc::integrity, Errc::state, Errc::io, Errc::crypto}) {
    const auto e = std::make_exception_ptr(Error(c, "store: record 'x' of card 'c1' failed authentication"));
    EXPECT_EQ(line_of(CommandCode::power_on, e), "-808 POWERON error, SEID c1 hardware error") << errc_name(c);
    EXPECT_EQ(line_of(CommandCode::reset, e), "-805 RESET error, SEID c1 hardware error") << errc_name(c);
    EXPECT_EQ(line_of(CommandCode::apdu, e), "-806 APDU execution error") << errc_name(c);
  }
}

TEST(RacsCardFailure, AVanishedCardIsAnInvalidSeid) {
  const auto gone = std::make_exception_ptr(Error(Errc::not_found, "no card c1"));
  EXPECT_EQ(line_of(CommandCode::power_on, gone), "-408 POWERON invalid SEID (c1)");
  EXPECT_EQ(line_of(CommandCode::apdu, gone), "-406 APDU invalid SEID");
}

TEST(RacsCardFailure, EverythingElseIsASystemError) {
  for (const auto& e : {std::make_exception_ptr(Error(Errc::internal, "bug")),
                        std::make_exception_ptr(Error(Errc::invalid_argument, "bug")),
                        std::make_exception_ptr(std::runtime_error("bug")), std::make_exception_ptr(42),
                        std::exception_ptr()}) {
    EXPECT_EQ(line_of(CommandCode::power_on, e), "-908 POWERON error, SEID c1 system error");
    EXPECT_EQ(line_of(CommandCode::apdu, e), "-906 APDU error, SEID c1 system error");
  }
}

struct BrokenFixture {
  test::BrokenCardsStateDir state;
  LocalState local{state.dir(), ServerConfig{}, /*create=*/false};
  AccessPolicy policy;
  CardLocks locks;
  MemoryAudit audit;
  PolicySource policy_source = PolicySource::borrowing(policy);
  SessionEnv env{local.cards(), policy_source, locks, audit, RacsLimits{}};
  BrokenFixture() { policy.allow_all_seids("admin"); }
};

std::string run(RacsSession& s, const std::string& text) { return s.feed(text).text; }

TEST(RacsCardFailure, ATamperedCardAnswers6581AndTheOthersWork) {
  BrokenFixture f;
  RacsSession s(f.env, 1, "admin", "test");
  // The runtime powers an unloadable card as a card with a memory failure: the ATR, then 6581.
  EXPECT_EQ(run(s, "BEGIN\nPOWERON tampered\nEND\n").substr(0, 49),
            "BEGIN\r\n+008 001 SEID tampered has been powered on");
  EXPECT_EQ(run(s, "BEGIN\nAPDU tampered 00A4040008F0534553414D4501\nEND\n"), "BEGIN\r\n+006 001 6581\r\nEND\r\n");
  EXPECT_EQ(run(s, "BEGIN\nAPDU demo 00A4040008F0534553414D4501\nEND\n"),
            "BEGIN\r\n+006 001 6F0A8408F0534553414D45019000\r\nEND\r\n");
  EXPECT_EQ(run(s, "BEGIN\nSHUTDOWN tampered\nEND\n"), "BEGIN\r\n+007 001 SEID tampered has been powered off\r\nEND\r\n");
}

TEST(RacsCardFailure, ACardWithAMissingAppletModuleIsAHardwareError) {
  BrokenFixture f;
  RacsSession s(f.env, 1, "admin", "test");
  EXPECT_EQ(run(s, "BEGIN\nPOWERON orphan\nEND\n"),
            "BEGIN\r\n-808 001 POWERON error, SEID orphan hardware error\r\nEND\r\n");
  EXPECT_FALSE(f.locks.holder("orphan"));  // a failed POWERON does not keep the card
  EXPECT_EQ(run(s, "BEGIN\nAPDU orphan 00A4040008F0534553410E0E01\nEND\n"),
            "BEGIN\r\n-806 001 APDU execution error\r\nEND\r\n");
  EXPECT_EQ(run(s, "BEGIN\nAPDU demo 00A4040008F0534553414D4501\nEND\n"),
            "BEGIN\r\n+006 001 6F0A8408F0534553414D45019000\r\nEND\r\n");
}

}  // namespace
}  // namespace sesame::server::racs
