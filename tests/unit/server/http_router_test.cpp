#include "server/http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sesame::server::http {
namespace {

Request get(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

TEST(HttpRouter, MatchesLiteralsAndParameters) {
  Router router;
  router.add("GET", "/v1/units/{unit}/keys/{key}", [](const Request&, const Peer& peer, const PathParams& p) {
    return Response::json(200, p.at("unit") + "/" + p.at("key") + "/" + peer.client_cn);
  });
  router.add("POST", "/v1/units/{unit}/keys", [](const Request&, const Peer&, const PathParams& p) {
    return Response::json(201, p.at("unit"));
  });
  const Peer peer{"alice", "127.0.0.1:1"};
  EXPECT_EQ(router.dispatch(get("GET", "/v1/units/u1/keys/k2"), peer).body, "u1/k2/alice");
  EXPECT_EQ(router.dispatch(get("POST", "/v1/units/u9/keys/"), peer).status, 201);
  EXPECT_EQ(router.dispatch(get("GET", "/v1/units//keys/k2"), peer).status, 404);  // empty parameter
  EXPECT_EQ(router.dispatch(get("GET", "/v1/units/u1"), peer).status, 404);
  const Response r = router.dispatch(get("DELETE", "/v1/units/u1/keys"), peer);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.at("Allow"), "POST");
}

TEST(HttpRouter, AThrowingHandlerIsA500WithoutItsText) {
  Router router;
  router.add("GET", "/x", [](const Request&, const Peer&, const PathParams&) -> Response {
    throw std::runtime_error("secret internal detail");
  });
  const Response r = router.dispatch(get("GET", "/x"), Peer{});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace sesame::server::http
