// The keyring HTTPS/JSON routes (docs/SIGNING.md "HTTPS API") through the router, in process: the
// holder SDK runs over a HolderTransport that speaks the JSON API, so activation and approval go
// through exactly the bytes a remote terminal sends; roles come from the client certificate's CN.
#include "server/keyring_routes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "applets/builtin.h"
#include "audit/audit_log.h"
#include "card/card_service.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "host/keyring/holder_sdk.h"
#include "services/keyring/keyring_service.h"
#include "store/memory_store.h"
#include "util/base64.h"
#include "util/error.h"

namespace sesame::server {
namespace {

using json = nlohmann::json;
namespace hk = host::keyring;

struct Api {
  http::Router& router;
  http::Response call(const std::string& method, const std::string& path, const std::string& cn,
                      const json& body = nullptr) {
    http::Request r;
    r.method = method;
    r.target = r.path = path;
    if (!body.is_null()) r.body = body.dump();
    return router.dispatch(r, http::Peer{cn, "127.0.0.1"});
  }
};

// The SDK's transport over the JSON API (what an app's HTTPS client does).
struct JsonHolderTransport final : hk::HolderTransport {
  JsonHolderTransport(Api a, std::string c) : api(a), cn(std::move(c)) {}
  Api api;
  std::string cn;
  json ok(const http::Response& r) {
    if (r.status >= 300) {
      const Errc c = r.status == 404   ? Errc::not_found
                     : r.status == 409 ? Errc::state
                     : r.status == 403 ? Errc::crypto
                                       : Errc::io;
      throw Error(c, "HTTP " + std::to_string(r.status));
    }
    return r.body.empty() ? json() : json::parse(r.body);
  }
  static Bytes bin(const json& j, const char* n) { return base64url_decode(j.at(n).get<std::string>()); }
  std::string base(const std::string& id) { return "/keyring/v1/holder/" + id; }

  hk::ActivationInfo activation_info(const std::string& id) override {
    const json j = ok(api.call("GET", base(id) + "/activation", cn));
    return {{bin(j, "package"), bin(j, "package_signature")}, j.at("activated").get<bool>()};
  }
  hk::ExchangeReply activate_start(const std::string& id, ByteView p) override {
    const json j =
        ok(api.call("POST", base(id) + "/activation/start", cn, {{"share_p", base64url_encode(p)}}));
    return {bin(j, "share_v"), bin(j, "confirm_v")};
  }
  Bytes activate_finish(const std::string& id, ByteView c, ByteView e) override {
    const json j = ok(api.call("POST", base(id) + "/activation/finish", cn,
                               {{"confirm_p", base64url_encode(c)}, {"envelope", base64url_encode(e)}}));
    return bin(j, "public_key");
  }
  std::vector<std::string> pending(const std::string& id) override {
    return ok(api.call("GET", base(id) + "/requests", cn)).at("pending").get<std::vector<std::string>>();
  }
  hk::RequestView request(const std::string& id, const std::string& rid) override {
    const json j = ok(api.call("GET", base(id) + "/requests/" + rid, cn));
    return {j.at("request_id"),
            j.at("description"),
            bin(j, "hash"),
            bin(j, "pin_salt"),
            j.at("scrypt_log2_n").get<std::uint8_t>(),
            j.at("expires_ms").get<std::int64_t>()};
  }
  hk::ExchangeReply approve_start(const std::string& id, const std::string& rid, ByteView p) override {
    const json j = ok(api.call("POST", base(id) + "/requests/" + rid + "/approve/start", cn,
                               {{"share_p", base64url_encode(p)}}));
    return {bin(j, "share_v"), bin(j, "confirm_v")};
  }
  hk::ApprovalResult approve_finish(const std::string& id, const std::string& rid, ByteView c,
                                    ByteView e) override {
    const json j = ok(api.call("POST", base(id) + "/requests/" + rid + "/approve/finish", cn,
                               {{"confirm_p", base64url_encode(c)}, {"envelope", base64url_encode(e)}}));
    return {bin(j, "signature"), bin(j, "receipt"), bin(j, "receipt_signature")};
  }
  void reject(const std::string& id, const std::string& rid, ByteView sig) override {
    ok(api.call("POST", base(id) + "/requests/" + rid + "/reject", cn,
                {{"device_signature", base64url_encode(sig)}}));
  }
};

class KeyringRoutesTest : public ::testing::Test {
 protected:
  KeyringRoutesTest() { add_keyring_routes(router, service, {{"ra"}, {"bank", "shop"}, {"holder-gateway"}}); }
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService cards{*store, registry};
  audit::AuditLog log{*store, crypto::EcPrivateKey::generate(crypto::Curve::p256)};
  crypto::EcPrivateKey ra_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  services::keyring::KeyringService service{cards, *store, log, ra_key};
  http::Router router;
  Api api{router};
};

TEST_F(KeyringRoutesTest, CreateActivateRequestApproveOverJson) {
  const json policy{{"scrypt_log2_n", 10}};
  EXPECT_EQ(
      api.call("POST", "/keyring/v1/keyrings", "bank", {{"identity", "Anna"}, {"policy", policy}}).status,
      403);
  const auto created =
      api.call("POST", "/keyring/v1/keyrings", "ra", {{"identity", "Anna"}, {"policy", policy}});
  ASSERT_EQ(created.status, 201) << created.body;
  const json c = json::parse(created.body);
  const std::string id = c.at("keyring_id");
  const std::string code = c.at("activation_code");

  // A terminal with a certificate for another keyring may not touch this one.
  EXPECT_EQ(api.call("GET", "/keyring/v1/holder/" + id + "/activation", std::string(32, '0')).status, 403);

  JsonHolderTransport transport(api, id);  // the terminal's certificate names its keyring
  hk::HolderSdk sdk(transport, ra_key.public_key());
  const hk::TerminalKeyring t = sdk.activate(id, as_bytes(code), as_bytes(std::string("975310")));

  const Bytes hash = crypto::sha256(as_bytes(std::string("invoice 7")));
  EXPECT_EQ(api.call("POST", "/keyring/v1/requests", "ra",
                     {{"keyring_id", id}, {"description", "x"}, {"hash", base64url_encode(hash)}})
                .status,
            403);
  const auto req =
      api.call("POST", "/keyring/v1/requests", "bank",
               {{"keyring_id", id}, {"description", "Pay invoice 7"}, {"hash", base64url_encode(hash)}});
  ASSERT_EQ(req.status, 201) << req.body;
  const std::string rid = json::parse(req.body).at("request_id");

  ASSERT_EQ(sdk.pending(t), std::vector<std::string>{rid});
  const auto shown = sdk.show(t, rid);
  EXPECT_EQ(shown.description, "Pay invoice 7");
  sdk.approve(t, shown, as_bytes(std::string("975310")));

  EXPECT_EQ(api.call("GET", "/keyring/v1/requests/" + rid, "shop").status, 404);  // another provider
  const auto st = api.call("GET", "/keyring/v1/requests/" + rid, "bank");
  ASSERT_EQ(st.status, 200);
  const json s = json::parse(st.body);
  EXPECT_EQ(s.at("state"), "approved");
  const auto pub = crypto::EcPublicKey::from_point(crypto::Curve::p256,
                                                   base64url_decode(s.at("public_key").get<std::string>()));
  EXPECT_TRUE(crypto::ecdsa_verify_digest(pub, hash, base64url_decode(s.at("signature").get<std::string>()),
                                          crypto::EcdsaFormat::raw));

  // A replayed approval is a conflict; a wrong PIN is 403 and counted.
  EXPECT_EQ(api.call("POST", "/keyring/v1/holder/" + id + "/requests/" + rid + "/approve/start", id,
                     {{"share_p", base64url_encode(Bytes(65, 4))}})
                .status,
            409);
  const auto st2 = api.call("GET", "/keyring/v1/keyrings/" + id, "ra");
  EXPECT_EQ(json::parse(st2.body).at("pin_tries"), 3);
  EXPECT_EQ(api.call("DELETE", "/keyring/v1/keyrings/" + id, "ra").status, 204);
  EXPECT_EQ(api.call("GET", "/keyring/v1/keyrings/" + id, "ra").status, 404);
}

TEST_F(KeyringRoutesTest, MalformedInputIsABadRequest) {
  EXPECT_EQ(api.call("POST", "/keyring/v1/keyrings", "ra", json::array()).status, 400);
  EXPECT_EQ(api.call("POST", "/keyring/v1/keyrings", "ra", {{"identity", 5}}).status, 400);
  EXPECT_EQ(
      api.call("POST", "/keyring/v1/keyrings", "ra", {{"identity", "A"}, {"policy", {{"min_pin_length", 4}}}})
          .status,
      400);
  EXPECT_EQ(api.call("POST", "/keyring/v1/requests", "bank",
                     {{"keyring_id", "zz"}, {"description", "d"}, {"hash", "!!"}})
                .status,
            400);
}

}  // namespace
}  // namespace sesame::server
