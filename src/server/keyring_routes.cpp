#include "server/keyring_routes.h"

#include <nlohmann/json.hpp>

#include "services/keyring/keyring_service.h"
#include "util/base64.h"
#include "util/error.h"

namespace sesame::server {
namespace {

using json = nlohmann::json;
using http::Handler;
using http::PathParams;
using http::Peer;
using http::Request;
using http::Response;
using services::keyring::KeyringService;

struct BadRequest : std::runtime_error {
  using std::runtime_error::runtime_error;
};

json body_of(const Request& req) {
  json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw BadRequest("the body must be a JSON object");
  return j;
}

std::string text(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_string())
    throw BadRequest(std::string("missing string member \"") + name + "\"");
  return it->get<std::string>();
}

Bytes binary(const json& j, const char* name) {
  try {
    return base64url_decode(text(j, name));
  } catch (const Error&) {
    throw BadRequest(std::string("\"") + name + "\" is not base64url");
  }
}

std::string b64(ByteView b) {
  return base64url_encode(b);
}

// Errors of the service as problem documents; texts of the service are meant for clients (they
// never carry secrets), other exceptions are left to the router's 500.
Response guarded(const std::function<Response()>& f) {
  try {
    return f();
  } catch (const BadRequest& e) {
    return Response::problem(400, e.what());
  } catch (const json::exception&) {
    return Response::problem(400, "malformed JSON member");
  } catch (const Error& e) {
    switch (e.code()) {
      case Errc::not_found: return Response::problem(404, e.what());
      case Errc::state: return Response::problem(409, e.what());
      case Errc::crypto: return Response::problem(403, e.what());
      case Errc::invalid_argument:
      case Errc::parse: return Response::problem(400, e.what());
      case Errc::integrity: return Response::problem(500, "keyring records failed their integrity check");
      default: throw;
    }
  }
}

Response forbidden() {
  return Response::problem(403, "this client certificate may not use this operation");
}

host::keyring::KeyringPolicy policy_of(const json& j) {
  host::keyring::KeyringPolicy p;
  if (!j.is_object()) return p;
  if (j.contains("kind")) {
    const std::string k = j.at("kind").get<std::string>();
    if (k == "authentication")
      p.kind = host::keyring::KeyringKind::authentication;
    else if (k != "signature")
      throw BadRequest("policy.kind must be \"signature\" or \"authentication\"");
  }
  if (j.contains("min_pin_length")) p.min_pin_length = j.at("min_pin_length").get<std::uint8_t>();
  if (j.contains("try_limit")) p.try_limit = j.at("try_limit").get<std::uint8_t>();
  if (j.contains("request_lifetime_s"))
    p.request_lifetime_s = j.at("request_lifetime_s").get<std::uint32_t>();
  if (j.contains("scrypt_log2_n")) p.scrypt_log2_n = j.at("scrypt_log2_n").get<std::uint8_t>();
  if (j.contains("roaming_allowed")) p.roaming_allowed = j.at("roaming_allowed").get<bool>();
  return p;
}

}  // namespace

void add_keyring_routes(http::Router& router, KeyringService& svc, const KeyringRoutesConfig& config) {
  const auto ra = [cfg = config](const Peer& p) { return cfg.ra_clients.count(p.client_cn) > 0; };
  const auto provider = [cfg = config](const Peer& p) { return cfg.provider_clients.count(p.client_cn) > 0; };
  const auto holder = [cfg = config](const Peer& p, const std::string& keyring_id) {
    return (!p.client_cn.empty() && p.client_cn == keyring_id) || cfg.holder_gateways.count(p.client_cn) > 0;
  };

  // ---- registration authority ----
  router.add(
      "POST", "/keyring/v1/keyrings", [&svc, ra](const Request& req, const Peer& peer, const PathParams&) {
        if (!ra(peer)) return forbidden();
        return guarded([&] {
          const json j = body_of(req);
          const auto k = svc.create_keyring(peer.client_cn, text(j, "identity"),
                                            policy_of(j.value("policy", json::object())));
          return Response::json(
              201, json{{"keyring_id", k.keyring_id},
                        {"activation_code", std::string(k.activation_code.begin(), k.activation_code.end())},
                        {"package", b64(k.package.package)},
                        {"package_signature", b64(k.package.signature)}}
                       .dump());
        });
      });
  router.add(
      "GET", "/keyring/v1/keyrings/{id}", [&svc, ra](const Request&, const Peer& peer, const PathParams& pp) {
        if (!ra(peer)) return forbidden();
        return guarded([&] {
          const auto s = svc.status(pp.at("id"));
          return Response::json(
              200,
              json{{"state", s.state}, {"pin_tries", s.pin_tries}, {"activation_tries", s.activation_tries}}
                  .dump());
        });
      });
  router.add("DELETE", "/keyring/v1/keyrings/{id}",
             [&svc, ra](const Request&, const Peer& peer, const PathParams& pp) {
               if (!ra(peer)) return forbidden();
               return guarded([&] {
                 svc.destroy(peer.client_cn, pp.at("id"));
                 Response r;
                 r.status = 204;
                 return r;
               });
             });
  router.add("GET", "/keyring/v1/receipt-key", [&svc](const Request&, const Peer&, const PathParams&) {
    return guarded([&] {
      return Response::json(200, json{{"public_key", b64(svc.receipt_public_key())}}.dump());
    });
  });

  // ---- service providers ----
  router.add("POST", "/keyring/v1/requests",
             [&svc, provider](const Request& req, const Peer& peer, const PathParams&) {
               if (!provider(peer)) return forbidden();
               return guarded([&] {
                 const json j = body_of(req);
                 const std::string rid = svc.create_request(peer.client_cn, text(j, "keyring_id"),
                                                            text(j, "description"), binary(j, "hash"));
                 return Response::json(201, json{{"request_id", rid}}.dump());
               });
             });
  router.add("GET", "/keyring/v1/requests/{rid}",
             [&svc, provider](const Request&, const Peer& peer, const PathParams& pp) {
               if (!provider(peer)) return forbidden();
               return guarded([&] {
                 const auto v = svc.request_status(peer.client_cn, pp.at("rid"));
                 json j{{"request_id", v.request_id},
                        {"keyring_id", v.keyring_id},
                        {"state", to_string(v.state)},
                        {"public_key", b64(v.signing_public_key)}};
                 if (v.state == services::keyring::RequestState::approved) {
                   j["signature"] = b64(v.result.signature);
                   j["receipt"] = b64(v.result.receipt);
                   j["receipt_signature"] = b64(v.result.receipt_signature);
                 }
                 return Response::json(200, j.dump());
               });
             });

  // ---- holders' terminals ----
  const auto holder_route = [&router, holder](const char* method, const std::string& pattern,
                                              std::function<Response(const Request&, const PathParams&)> f) {
    router.add(method, pattern, [holder, f](const Request& req, const Peer& peer, const PathParams& pp) {
      if (!holder(peer, pp.at("id"))) return forbidden();
      return guarded([&] { return f(req, pp); });
    });
  };
  holder_route("GET", "/keyring/v1/holder/{id}/activation", [&svc](const Request&, const PathParams& pp) {
    const auto a = svc.activation_info(pp.at("id"));
    return Response::json(200, json{{"package", b64(a.package.package)},
                                    {"package_signature", b64(a.package.signature)},
                                    {"activated", a.activated}}
                                   .dump());
  });
  holder_route(
      "POST", "/keyring/v1/holder/{id}/activation/start", [&svc](const Request& req, const PathParams& pp) {
        const auto r = svc.activate_start(pp.at("id"), binary(body_of(req), "share_p"));
        return Response::json(200, json{{"share_v", b64(r.share_v)}, {"confirm_v", b64(r.confirm_v)}}.dump());
      });
  holder_route(
      "POST", "/keyring/v1/holder/{id}/activation/finish", [&svc](const Request& req, const PathParams& pp) {
        const json j = body_of(req);
        const Bytes pub = svc.activate_finish(pp.at("id"), binary(j, "confirm_p"), binary(j, "envelope"));
        return Response::json(200, json{{"public_key", b64(pub)}}.dump());
      });
  holder_route("GET", "/keyring/v1/holder/{id}/requests", [&svc](const Request&, const PathParams& pp) {
    return Response::json(200, json{{"pending", svc.pending(pp.at("id"))}}.dump());
  });
  holder_route("GET", "/keyring/v1/holder/{id}/requests/{rid}", [&svc](const Request&, const PathParams& pp) {
    const auto v = svc.request(pp.at("id"), pp.at("rid"));
    return Response::json(200, json{{"request_id", v.request_id},
                                    {"description", v.description},
                                    {"hash", b64(v.hash)},
                                    {"pin_salt", b64(v.pin_salt)},
                                    {"scrypt_log2_n", v.scrypt_log2_n},
                                    {"expires_ms", v.expires_ms}}
                                   .dump());
  });
  holder_route(
      "POST", "/keyring/v1/holder/{id}/requests/{rid}/approve/start",
      [&svc](const Request& req, const PathParams& pp) {
        const auto r = svc.approve_start(pp.at("id"), pp.at("rid"), binary(body_of(req), "share_p"));
        return Response::json(200, json{{"share_v", b64(r.share_v)}, {"confirm_v", b64(r.confirm_v)}}.dump());
      });
  holder_route("POST", "/keyring/v1/holder/{id}/requests/{rid}/approve/finish",
               [&svc](const Request& req, const PathParams& pp) {
                 const json j = body_of(req);
                 const auto a = svc.approve_finish(pp.at("id"), pp.at("rid"), binary(j, "confirm_p"),
                                                   binary(j, "envelope"));
                 return Response::json(200, json{{"signature", b64(a.signature)},
                                                 {"receipt", b64(a.receipt)},
                                                 {"receipt_signature", b64(a.receipt_signature)}}
                                                .dump());
               });
  holder_route("POST", "/keyring/v1/holder/{id}/requests/{rid}/reject",
               [&svc](const Request& req, const PathParams& pp) {
                 svc.reject(pp.at("id"), pp.at("rid"), binary(body_of(req), "device_signature"));
                 Response r;
                 r.status = 204;
                 return r;
               });
}

}  // namespace sesame::server
