// The WSCA HTTPS API below the socket: its problem mapping table, the pieces of the key
// attestation and status list (JWK, zlib framing, persisted revocation bits, the JWT itself), and
// the routes on a real CardService (memory store, built-in applets) through http::Router.
// The full flow with a real wallet, jose and @peculiar/x509: tests/integration/wsca_http_test.py.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "applets/builtin.h"
#include "card/card_service.h"
#include "crypto/any_key.h"
#include "crypto/jws.h"
#include "crypto/random.h"
#include "server/card_locks.h"
#include "server/dev_pki.h"
#include "server/file_io.h"
#include "server/wsca_attestation.h"
#include "server/wsca_problem.h"
#include "server/wsca_routes.h"
#include "server/wsca_service.h"
#include "store/memory_store.h"
#include "util/base64.h"
#include "util/hex.h"

namespace sesame::server {
namespace {

using nlohmann::json;

TEST(WscaProblem, EveryStatusWordHasOneAnswer) {
  EXPECT_EQ(wsca_problem_for_sw(0x6982).status, 403);
  EXPECT_EQ(wsca_problem_for_sw(0x63C3).name, "pin-incorrect");
  EXPECT_EQ(wsca_problem_for_sw(0x63C0).status, 403);
  EXPECT_EQ(wsca_problem_for_sw(0x6983).status, 423);
  EXPECT_EQ(wsca_problem_for_sw(0x6601).status, 429);  // a PIN delay is running
  EXPECT_EQ(wsca_problem_for_sw(0x6601).name, "pin-delay");
  EXPECT_EQ(wsca_problem_for_sw(0x6984).status, 409);
  EXPECT_EQ(wsca_problem_for_sw(0x6985).status, 409);
  EXPECT_EQ(wsca_problem_for_sw(0x6A80).status, 400);
  EXPECT_EQ(wsca_problem_for_sw(0x6A86).status, 400);
  EXPECT_EQ(wsca_problem_for_sw(0x6A88).status, 404);
  EXPECT_EQ(wsca_problem_for_sw(0x6A82).name, "no-wsca");
  EXPECT_EQ(wsca_problem_for_sw(0x6581).status, 503);
  EXPECT_EQ(wsca_problem_for_sw(0x6F00).status, 502);  // anything else fails closed
  EXPECT_EQ(wsca_problem_for_sw(0x9000).status, 502);  // never asked, but never "success"

  const http::Response r = wsca_sw_problem(0x63C2);
  EXPECT_EQ(r.headers.at("Content-Type"), "application/problem+json");
  const json j = json::parse(r.body);
  EXPECT_EQ(j["type"], "urn:sesame:wsca:pin-incorrect");
  EXPECT_EQ(j["status"], 403);
  EXPECT_EQ(j["sw"], "63C2");
  EXPECT_EQ(j["tries_left"], 2);
}

TEST(WscaAttestation, ZlibStoredMatchesPythonZlib) {
  // Expected streams from an independent implementation: Python's zlib.compress(data, 0)
  // (zlib 1.2.13); the Adler-32 of "Wikipedia" (0x11E60398) is the worked example of the
  // Wikipedia article "Adler-32".
  EXPECT_EQ(to_hex(zlib_stored({})), "7801010000FFFF00000001");
  EXPECT_EQ(to_hex(zlib_stored(as_bytes("Wikipedia"))), "7801010900F6FF57696B69706564696111E60398");
  // Longer than one stored block (65535 bytes): two blocks, the second final.
  const Bytes big(70000, 0);
  const Bytes z = zlib_stored(big);
  EXPECT_EQ(z.size(), 2 + 5 + 65535 + 5 + (70000 - 65535) + 4);
  EXPECT_EQ(z[2], 0x00);
  EXPECT_EQ(z[2 + 5 + 65535], 0x01);
  EXPECT_EQ(to_hex(ByteView(z).subspan(z.size() - 4)), "117F0001");  // Python's zlib, same input
}

TEST(WscaAttestation, JwkRoundTripOfRfc7517Example) {
  // RFC 7517 Appendix A.1, the first (P-256) public key.
  const json in{{"kty", "EC"},
                {"crv", "P-256"},
                {"x", "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"},
                {"y", "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"},
                {"use", "enc"},
                {"kid", "1"}};
  const crypto::EcPublicKey k = ec_key_from_jwk(in);
  const json out = ec_jwk(k);
  EXPECT_EQ(out["x"], in["x"]);
  EXPECT_EQ(out["y"], in["y"]);
  EXPECT_EQ(out["crv"], "P-256");
  json priv = in;
  priv["d"] = "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE";
  EXPECT_THROW(ec_key_from_jwk(priv), Error);  // never take a private key
  json off = in;
  off["x"] = "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7DI";  // not on the curve
  EXPECT_THROW(ec_key_from_jwk(off), Error);
}

struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("sesame-wsca-" + to_hex(crypto::random_bytes(6)));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
};

TEST(WscaAttestation, StatusBitsPersistAndGrow) {
  TempDir t;
  {
    WscaStatusList l(t.path / "wsca");
    EXPECT_EQ(l.bits("card1").size(), WscaStatusList::kMinBytes);
    EXPECT_FALSE(l.revoked("card1", 9));
    l.revoke("card1", 9);
    l.revoke("card1", 9000);  // beyond the first 8192 entries
    EXPECT_TRUE(l.revoked("card1", 9));
    EXPECT_FALSE(l.revoked("card2", 9));
    EXPECT_THROW(l.revoke("../x", 1), Error);  // a SEID names a file: only SEID characters
  }
  WscaStatusList again(t.path / "wsca");
  const Bytes b = again.bits("card1");
  EXPECT_EQ(b.size(), 2 * WscaStatusList::kMinBytes);
  EXPECT_EQ(b[1], 0x02);  // idx 9: byte 1, bit 1 counted from the least significant
  EXPECT_EQ(b[9000 / 8], 1u << (9000 % 8));
  EXPECT_TRUE(again.revoked("card1", 9000));
}

TEST(WscaAttestation, KeyAttestationJwtVerifiesWithTheLeafKey) {
  TempDir t;
  ensure_dev_pki(t.path);
  const WscaAttester a = WscaAttester::load_or_issue(t.path);
  ASSERT_EQ(a.chain().size(), 1u);
  const auto now = std::chrono::system_clock::now();
  const crypto::EcPrivateKey k = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  const std::string jwt = a.key_attestation({ec_jwk(k.public_key())}, std::string("n1"),
                                            StatusReference{7, "https://h/v1/wsca/c/status-list"}, now);
  const auto leaf = std::get<crypto::EcPublicKey>(a.chain()[0].public_key());
  const crypto::JwsVerified v = crypto::jws_verify(jwt, leaf);
  const json h = json::parse(v.header_json);
  EXPECT_EQ(h["typ"], "key-attestation+jwt");
  EXPECT_EQ(h["alg"], "ES256");
  EXPECT_EQ(base64_decode(h["x5c"][0].get<std::string>()), a.chain()[0].der());
  const json p = json::parse(std::string(v.payload.begin(), v.payload.end()));
  EXPECT_EQ(p["attested_keys"][0], ec_jwk(k.public_key()));
  EXPECT_EQ(p["nonce"], "n1");
  EXPECT_EQ(p["status"]["status_list"]["idx"], 7);
  EXPECT_EQ(p["exp"].get<std::int64_t>() - p["iat"].get<std::int64_t>(), WscaAttester::kLifetime.count());
  EXPECT_EQ(p["key_storage"], json::array({"iso_18045_high"}));
  // A second load reuses the issued key.
  const WscaAttester b = WscaAttester::load_or_issue(t.path);
  EXPECT_EQ(b.chain()[0].der(), a.chain()[0].der());
}

TEST(WscaAttestation, ParsesItsOwnKeyAttestationsInBothTypSpellings) {
  TempDir t;
  ensure_dev_pki(t.path);
  const WscaAttester a = WscaAttester::load_or_issue(t.path);
  const auto now = std::chrono::system_clock::now();
  const json key = ec_jwk(crypto::EcPrivateKey::generate(crypto::Curve::p256).public_key());
  const std::string issued = a.key_attestation({key}, std::nullopt, StatusReference{1, "https://h/s"}, now);
  EXPECT_EQ(a.verify_key_attestation(issued, now)["attested_keys"][0], key);
  EXPECT_THROW(a.verify_key_attestation(issued, now + WscaAttester::kLifetime + std::chrono::seconds(1)),
               Error);

  // The same claims under the older typ "keyattestation+jwt" (OpenID4VCI drafts before 1.0) are
  // accepted; any other typ is not. Signed here with the attester's key, loaded from its file.
  const auto priv = std::get<crypto::EcPrivateKey>(
      crypto::private_key_from_pem(read_secret_file(t.path / "wsca-attestation.key")));
  const std::string payload = json{{"iat", 1}, {"exp", 4102444800}, {"attested_keys", {key}}}.dump();
  const std::string old_typ =
      crypto::jws_sign(R"({"alg":"ES256","typ":"keyattestation+jwt"})", as_bytes(payload), priv);
  EXPECT_EQ(a.verify_key_attestation(old_typ, now)["attested_keys"][0], key);
  const std::string plain = crypto::jws_sign(R"({"alg":"ES256","typ":"JWT"})", as_bytes(payload), priv);
  EXPECT_THROW(a.verify_key_attestation(plain, now), Error);
  const auto other = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  const std::string forged =
      crypto::jws_sign(R"({"alg":"ES256","typ":"key-attestation+jwt"})", as_bytes(payload), other);
  EXPECT_THROW(a.verify_key_attestation(forged, now), Error);
}

struct Api {
  TempDir dir;
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::AppletRegistry registry = applets::builtin_registry();
  card::CardService cards{*store, registry};
  CardLocks locks;
  http::Router router;
  std::unique_ptr<WscaApi> api;
  Api() {
    cards.create_card({"w1", ""});
    cards.install_applet("w1", "sesame.wsca", wsca_default_aid(), {});
    cards.create_card({"plain", ""});
    ensure_dev_pki(dir.path / "pki");
    api = std::make_unique<WscaApi>(
        cards, locks, WscaRoutesConfig{dir.path / "pki", dir.path, {"admin"}, "https://localhost:8443"});
    api->add_routes(router);
  }
  http::Response call(const std::string& method, const std::string& path, const std::string& body = "") {
    http::Request r;
    r.method = method;
    r.target = r.path = path;
    r.body = body;
    r.headers["Host"] = "localhost:8443";
    return router.dispatch(r, http::Peer{"wallet", "127.0.0.1"});
  }
};

std::string type_of(const http::Response& r) {
  return json::parse(r.body).value("type", "");
}

TEST(WscaRoutes, UnitsOverTheRouter) {
  Api t;
  auto r = t.call("POST", "/v1/wsca/w1/units", "{}");
  ASSERT_EQ(r.status, 201) << r.body;
  const json u = json::parse(r.body);
  EXPECT_EQ(u["state"], "created");
  EXPECT_EQ(u["ka_key"]["crv"], "P-256");
  const std::string unit = "/v1/wsca/w1/units/" + std::to_string(u["unit"].get<int>());
  r = t.call("GET", unit);
  EXPECT_EQ(r.status, 200);
  r = t.call("POST", unit + "/challenge");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(base64url_decode(json::parse(r.body)["challenge"].get<std::string>()).size(), 32u);
  // Authentication-gated operations without an 'auth' object never reach the card.
  r = t.call("POST", unit + "/keys", R"({"crv":"P-256"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(type_of(r), "urn:sesame:wsca:bad-request");
  // A bogus authentication reaches the applet, which refuses it.
  const std::string a = base64url_encode(Bytes(64, 1));
  r = t.call("POST", unit + "/keys/1/sign",
             R"({"digest":"AAAA","auth":{"ephemeral_key":")" + a + R"(","envelope":")" + a +
                 R"(","signature":")" + a + R"("}})");
  EXPECT_EQ(r.status, 409) << r.body;  // the unit is not active yet: 6985
  EXPECT_EQ(json::parse(r.body)["sw"], "6985");
  EXPECT_EQ(t.call("GET", "/v1/wsca/w1/units/99").status, 404);
  EXPECT_EQ(type_of(t.call("GET", "/v1/wsca/nope/units/1")), "urn:sesame:wsca:no-card");
  EXPECT_EQ(type_of(t.call("GET", "/v1/wsca/plain/units/1")), "urn:sesame:wsca:no-wsca");
  EXPECT_EQ(t.call("GET", "/v1/wsca/w1/units/007").status, 400);
  EXPECT_EQ(t.call("GET", "/v1/wsca/w1/units/4294967296").status, 400);
  EXPECT_EQ(t.call("POST", "/v1/wsca/w1/units", "[1]").status, 400);
  EXPECT_EQ(t.call("POST", "/v1/wsca/w1/units", "{nope").status, 400);
}

TEST(WscaRoutes, ACardHeldByAnotherTransportIsInUse) {
  Api t;
  const HolderId racs = t.locks.new_holder();
  ASSERT_EQ(t.locks.acquire("w1", racs), CardLocks::Result::acquired);
  auto r = t.call("POST", "/v1/wsca/w1/units", "{}");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(type_of(r), "urn:sesame:wsca:card-in-use");
  t.locks.release("w1", racs);
  EXPECT_EQ(t.call("POST", "/v1/wsca/w1/units", "{}").status, 201);
  // Now the API holds it, and keeps it.
  EXPECT_EQ(t.locks.acquire("w1", racs), CardLocks::Result::in_use);
  t.api.reset();  // sesamed stopping gives it back
  EXPECT_EQ(t.locks.acquire("w1", racs), CardLocks::Result::acquired);
}

TEST(WscaRoutes, OnlyTheProviderRevokesAndTheListIsSigned) {
  Api t;
  http::Request r;
  r.method = "POST";
  r.target = r.path = "/v1/wsca/w1/units/3/revocation";
  r.headers["Host"] = "localhost";
  EXPECT_EQ(t.router.dispatch(r, http::Peer{"wallet", ""}).status, 403);
  EXPECT_EQ(t.router.dispatch(r, http::Peer{"admin", ""}).status, 204);
  const auto list = t.call("GET", "/v1/wsca/w1/status-list");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.headers.at("Content-Type"), "application/statuslist+jwt");
  const json h = json::parse(crypto::jws_unverified_header(list.body));
  EXPECT_EQ(h["typ"], "statuslist+jwt");
  // The list names itself by the configured base URL, whatever Host a client sends.
  http::Request g;
  g.method = "GET";
  g.target = g.path = "/v1/wsca/w1/status-list";
  g.headers["Host"] = "evil.example";
  const std::string jwt = t.router.dispatch(g, http::Peer{"wallet", ""}).body;
  const std::size_t d1 = jwt.find('.'), d2 = jwt.find('.', d1 + 1);
  const Bytes claims = base64url_decode(jwt.substr(d1 + 1, d2 - d1 - 1));
  EXPECT_EQ(json::parse(claims.begin(), claims.end())["sub"],
            "https://localhost:8443/v1/wsca/w1/status-list");
  EXPECT_EQ(t.call("GET", "/v1/wsca/nope/status-list").status, 404);
}

}  // namespace
}  // namespace sesame::server
