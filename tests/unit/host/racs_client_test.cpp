// The RACS client over real TLS (OpenSSL on both ends, through crypto::TlsContext) against a tiny
// in-test server: request lines on the wire, responses, several requests per session, pinning by
// CA and by certificate fingerprint (and refusals), error lines, a server that closes or stalls,
// and RacsReader + the OMAPI model over it, backed by a hosted demo card.
#include "host/racs/racs_client.h"

#include <gtest/gtest.h>

#include <sstream>

#include "applets/builtin.h"
#include "applets/demo/demo_applet.h"
#include "card/card_service.h"
#include "host/omapi.h"
#include "host/racs/racs_reader.h"
#include "racs_stub_server.h"
#include "racs_test_pki.h"
#include "store/memory_store.h"
#include "util/hex.h"

namespace sesame::host::racs {
namespace {

using testing::StubRacsServer;
using testing::StubReply;
using testing::TestPki;
using namespace std::chrono_literals;

const TestPki& pki() {
  static const TestPki p;
  return p;
}

std::unique_ptr<RacsClient> client_for(const StubRacsServer& s, const RacsCredentials& c,
                                       std::chrono::milliseconds timeout = 5000ms) {
  return std::make_unique<RacsClient>("127.0.0.1", s.port(), make_client_tls(c),
                                      RacsClientOptions{.timeout = timeout, .limits = {}});
}

// Answers every command by a fixed table, echoing BEGIN's name, without APPEND semantics (the
// client only reads what comes back).
StubReply canned(const std::vector<std::string>& lines) {
  std::ostringstream out;
  out << lines.front() << "\r\n";  // "BEGIN [name]"
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    const std::string& l = lines[i];
    char idx[24];
    std::snprintf(idx, sizeof idx, "%03zu", i);
    if (l == "LIST")
      out << "+004 " << idx << " demo card.2\r\n";
    else if (l == "GET-VERSION")
      out << "+002 " << idx << " sesame-racs 1\r\n";
    else if (l.rfind("ECHO ", 0) == 0)
      out << "+009 " << idx << " " << l.substr(5) << "\r\n";
    else if (l.rfind("POWERON closing", 0) == 0)
      return StubReply::send_and_close("BEGIN\r\n-302 " + std::string(idx) + " Duplicate BEGIN\r\nEND\r\n");
    else if (l.rfind("POWERON busy", 0) == 0)
      return StubReply::send("BEGIN\r\n-708 " + std::string(idx) + " In Use\r\nEND\r\n");
    else if (l.rfind("POWERON ", 0) == 0)
      out << "+008 " << idx << " 3B8880010000000000000000\r\n";
    else if (l.rfind("APDU ", 0) == 0)
      out << "+006 " << idx << " 9000\r\n";
    else if (l.rfind("SHUTDOWN ", 0) == 0)
      out << "+007 " << idx << " Powered Off\r\n";
    else
      return StubReply::send_and_close("-101 " + std::string(idx) + " unknown command\r\n");
  }
  out << "END\r\n";
  return StubReply::send(out.str());
}

void expect_errc(Errc want, const std::function<void()>& f, const std::string& in_message = "") {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), want) << e.what();
    if (!in_message.empty()) {
      EXPECT_NE(std::string(e.what()).find(in_message), std::string::npos) << e.what();
    }
  }
}

TEST(RacsClient, SeveralRequestsInOneTlsSession) {
  StubRacsServer server(pki().server_tls(), canned);
  auto c = client_for(server, pki().by_ca());
  EXPECT_EQ(c->list(), (std::vector<std::string>{"demo", "card.2"}));
  EXPECT_TRUE(c->connected());
  EXPECT_NE(c->tls_summary().find("TLSv1."), std::string::npos) << c->tls_summary();
  EXPECT_EQ(c->version(), "sesame-racs 1");
  EXPECT_EQ(c->echo("ping"), "ping");
  EXPECT_EQ(to_hex(c->power_on("demo")), "3B8880010000000000000000");
  EXPECT_EQ(to_hex(c->apdu("demo", from_hex("00A4040008F0534553414D4501"))), "9000");
  const auto batch = c->apdus("demo", {from_hex("00B0810015"), from_hex("0084000008")});
  ASSERT_EQ(batch.size(), 2u);
  c->shutdown("demo");
  c->close();
  EXPECT_FALSE(c->connected());

  EXPECT_EQ(server.connections(), 1);  // one TLS session carried all seven requests
  EXPECT_EQ(server.peer_cn(), "admin");
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 7u);
  EXPECT_EQ(reqs[0], (std::vector<std::string>{"BEGIN", "LIST", "END"}));
  EXPECT_EQ(reqs[4], (std::vector<std::string>{"BEGIN", "APDU demo 00A4040008F0534553414D4501", "END"}));
  EXPECT_EQ(reqs[5], (std::vector<std::string>{"BEGIN", "APDU demo 00B0810015 APPEND",
                                               "APDU demo 0084000008 APPEND", "END"}));
}

TEST(RacsClient, NamedRequestRoundTrip) {
  StubRacsServer server(pki().server_tls(), canned);
  auto c = client_for(server, pki().by_ca());
  RacsRequest r("job-42");
  r.echo("a").echo("b");
  const RacsResponse resp = c->execute(r);
  EXPECT_EQ(resp.name, "job-42");
  ASSERT_EQ(resp.results.size(), 2u);
  EXPECT_EQ(resp.results[1].line(), "+009 002 b");
}

TEST(RacsClient, PinnedByFingerprintWithoutCa) {
  StubRacsServer server(pki().server_tls(), canned);
  const std::string pin = to_hex(pki().server.fingerprint_sha256());
  auto c = client_for(server, pki().by_pin(pin));
  EXPECT_EQ(c->echo("pinned"), "pinned");
  c->close();  // the stub serves one session at a time
  // The colon form `openssl x509 -fingerprint -sha256` prints is accepted too.
  std::string colons;
  for (std::size_t i = 0; i < pin.size(); i += 2) colons += (i ? ":" : "") + pin.substr(i, 2);
  EXPECT_EQ(client_for(server, pki().by_pin(colons))->echo("x"), "x");
}

TEST(RacsClient, WrongPinIsRefusedBeforeAnyRequest) {
  StubRacsServer server(pki().server_tls(), canned);
  Bytes wrong = pki().server.fingerprint_sha256();
  wrong[31] ^= 0x01;
  auto c = client_for(server, pki().by_pin(to_hex(wrong)));
  expect_errc(
      Errc::crypto, [&] { c->list(); }, "TLS handshake failed");
  EXPECT_FALSE(c->connected());
  EXPECT_TRUE(server.requests().empty());
}

TEST(RacsClient, WrongCaIsRefused) {
  StubRacsServer server(pki().server_tls(), canned);
  RacsCredentials creds = pki().by_ca();
  creds.ca = pki().other_ca_pem;
  auto c = client_for(server, creds);
  expect_errc(
      Errc::crypto, [&] { c->list(); }, "TLS handshake failed");
  EXPECT_TRUE(server.requests().empty());
}

TEST(RacsClient, CredentialsAreChecked) {
  expect_errc(Errc::invalid_argument, [&] { make_client_tls(pki().by_pin("")); });  // neither CA nor pin
  expect_errc(Errc::invalid_argument, [&] { make_client_tls(pki().by_pin("0011")); });
  expect_errc(Errc::invalid_argument, [&] { make_client_tls(pki().by_pin(std::string(64, 'g'))); });
  RacsCredentials no_cert = pki().by_ca();
  no_cert.cert.clear();
  expect_errc(Errc::invalid_argument, [&] { make_client_tls(no_cert); });
}

TEST(RacsClient, ErrorLinesBecomeRacsError) {
  StubRacsServer server(pki().server_tls(), canned);
  auto c = client_for(server, pki().by_ca());
  try {
    c->power_on("busy");
    ADD_FAILURE() << "no error";
  } catch (const RacsError& e) {
    EXPECT_EQ(e.error_class(), ErrorClass::in_use);
    EXPECT_EQ(e.code(), Errc::state);
    EXPECT_EQ(e.result().line(), "-708 001 In Use");
  }
  EXPECT_TRUE(c->connected());  // an error inside a frame keeps the session
  EXPECT_EQ(c->echo("still"), "still");
  EXPECT_EQ(server.connections(), 1);
}

TEST(RacsClient, BareErrorThenCloseAndTheNextRequestReconnects) {
  StubRacsServer server(pki().server_tls(), canned);
  auto c = client_for(server, pki().by_ca());
  RacsRequest bad;
  bad.set_version("9");  // the canned server does not know it: bare -101 and close
  const RacsResponse r = c->execute(bad);
  EXPECT_FALSE(r.framed);
  ASSERT_NE(r.error(), nullptr);
  EXPECT_EQ(r.error()->error_class(), ErrorClass::unknown_command);
  EXPECT_FALSE(c->connected());
  EXPECT_EQ(c->echo("again"), "again");
  EXPECT_EQ(server.connections(), 2);
}

TEST(RacsClient, AfterAFramedErrorAndCloseTheNextRequestGoesToANewSession) {
  StubRacsServer server(pki().server_tls(), canned);
  auto c = client_for(server, pki().by_ca());
  EXPECT_EQ(c->echo("one"), "one");
  try {
    c->power_on("closing");
    ADD_FAILURE() << "no error";
  } catch (const RacsError& e) {
    EXPECT_EQ(e.error_class(), ErrorClass::illegal_command);
  }
  // The server has closed; the client notices before writing and opens a new session.
  EXPECT_EQ(c->echo("two"), "two");
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests().size(), 3u);  // nothing was written into the dead session
}

TEST(RacsClient, ServerClosingWithoutAnswerIsAnIoError) {
  StubRacsServer server(pki().server_tls(), [](const auto&) { return StubReply::send_and_close(""); });
  auto c = client_for(server, pki().by_ca());
  expect_errc(
      Errc::io, [&] { c->list(); }, "closed the session");
}

TEST(RacsClient, StalledServerTimesOut) {
  StubRacsServer server(pki().server_tls(), [](const auto&) { return StubReply::nothing(); });
  auto c = client_for(server, pki().by_ca(), 300ms);
  const auto t0 = std::chrono::steady_clock::now();
  expect_errc(
      Errc::io, [&] { c->list(); }, "timed out");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_FALSE(c->connected());
}

TEST(RacsClient, GarbageAndMisnamedResponsesAreParseErrors) {
  StubRacsServer garbage(pki().server_tls(),
                         [](const auto&) { return StubReply::send("HTTP/1.1 200 OK\r\n"); });
  expect_errc(Errc::parse, [&] { client_for(garbage, pki().by_ca())->list(); });
  StubRacsServer misnamed(pki().server_tls(), [](const auto&) {
    return StubReply::send("BEGIN other\r\n+004 001 x\r\nEND\r\n");
  });
  expect_errc(
      Errc::parse, [&] { client_for(misnamed, pki().by_ca())->list(); }, "names 'other'");
  // An APDU result that is not hex.
  StubRacsServer nonhex(pki().server_tls(),
                        [](const auto&) { return StubReply::send("BEGIN\r\n+006 001 hello\r\nEND\r\n"); });
  expect_errc(Errc::parse, [&] { client_for(nonhex, pki().by_ca())->apdu("demo", from_hex("00A40400")); });
}

// A minimal RACS front for a hosted card, so RacsReader and OMAPI run end to end over TLS.
class HostedCardOverRacs : public ::testing::Test {
 protected:
  HostedCardOverRacs()
      : store(store::open_memory_store(crypto::random_secret(32))),
        registry(applets::builtin_registry()),
        cards(*store, registry),
        server(pki().server_tls(), [this](const auto& lines) { return answer(lines); }) {
    cards.create_card({.seid = "demo", .label = ""});
    cards.install_applet("demo", applets::demo::kModuleName, from_hex("F0534553414D4501"), {});
  }

  StubReply answer(const std::vector<std::string>& lines) {
    std::string out = lines.front() + "\r\n";
    for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
      std::istringstream words(lines[i]);
      std::string cmd, seid, arg;
      words >> cmd >> seid >> arg;
      char idx[24];
      std::snprintf(idx, sizeof idx, "%03zu", i);
      // Result texts as sesamed writes them (docs/RACS.md): the ATR follows "ATR=".
      if (cmd == "POWERON") {
        out += "+008 " + std::string(idx) + " SEID " + seid +
               " has been powered on, ATR=" + to_hex(cards.power_on(seid)) + "\r\n";
      } else if (cmd == "RESET") {
        out += "+005 " + std::string(idx) + " SEID " + seid +
               " has been reset, ATR=" + to_hex(cards.reset(seid, arg == "WARM")) + "\r\n";
      } else if (cmd == "SHUTDOWN") {
        out += "+007 " + std::string(idx) + " " + power_off(seid) + "\r\n";
      } else if (cmd == "APDU") {
        out += "+006 " + std::string(idx) + " " + to_hex(cards.transmit(seid, from_hex(arg))) + "\r\n";
      } else {
        return StubReply::send_and_close("-101 " + std::string(idx) + " unknown command\r\n");
      }
    }
    return StubReply::send(out + "END\r\n");
  }

  std::string power_off(const std::string& seid) {
    cards.power_off(seid);
    return "Powered Off";
  }

  std::unique_ptr<store::Store> store;
  card::AppletRegistry registry;
  card::CardService cards;
  StubRacsServer server;
};

TEST_F(HostedCardOverRacs, ReaderAndOmapiOverTls) {
  const RacsUri uri = RacsUri::parse("racs://127.0.0.1:" + std::to_string(server.port()) + "/demo");
  std::shared_ptr<host::Reader> reader = RacsReader::open(uri, pki().by_ca());
  EXPECT_EQ(reader->name(), uri.str());

  omapi::SEService service({reader});
  auto session = service.get_readers().at(0)->open_session();
  EXPECT_EQ(session->get_atr(), cards.info("demo").atr);
  auto ch = session->open_logical_channel(from_hex("F0534553414D4501"));
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->channel_number(), 1);
  EXPECT_EQ(to_hex(ch->get_select_response()), "6F0A8408F0534553414D45019000");
  // READ BINARY of EF.INFO: "sesame demo applet v1".
  EXPECT_EQ(to_hex(ch->transmit(from_hex("00B0810015"))), "736573616D652064656D6F206170706C65742076319000");
  ch->close();
  service.shutdown();
  EXPECT_FALSE(cards.info("demo").powered);
  EXPECT_EQ(server.connections(), 1);

  const auto reqs = server.requests();
  ASSERT_GE(reqs.size(), 4u);
  EXPECT_EQ(reqs[0][1], "POWERON demo");
  EXPECT_EQ(reqs[1][1], "APDU demo 0070000001");                    // MANAGE CHANNEL open
  EXPECT_EQ(reqs[2][1], "APDU demo 01A4040008F0534553414D450100");  // SELECT on channel 1
  EXPECT_EQ(reqs.back()[1], "SHUTDOWN demo");
}

TEST_F(HostedCardOverRacs, ReaderResetAndGetResponseChaining) {
  auto reader = RacsReader::open(
      RacsUri::parse("racs://localhost:" + std::to_string(server.port()) + "/demo"), pki().by_ca());
  const Bytes atr = reader->connect();
  EXPECT_EQ(reader->reset(/*warm=*/true), atr);
  iso7816::CommandApdu select;
  select.ins = 0xA4;
  select.p1 = 0x04;
  select.data = from_hex("F0534553414D4501");
  select.ne = 256;
  EXPECT_TRUE(reader->transmit(select).ok());
  // GET CHALLENGE of 8 bytes: random data, 9000.
  const Bytes r = reader->transmit_raw(from_hex("0084000008"));
  ASSERT_EQ(r.size(), 10u);
  EXPECT_EQ(get_u16(r, 8), 0x9000);
  reader->disconnect();
  EXPECT_FALSE(cards.info("demo").powered);
}

}  // namespace
}  // namespace sesame::host::racs
