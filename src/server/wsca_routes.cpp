#include "server/wsca_routes.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "card/card_service.h"
#include "crypto/hash.h"
#include "crypto/jws.h"
#include "server/wsca_attestation.h"
#include "server/wsca_problem.h"
#include "server/wsca_service.h"
#include "util/base64.h"
#include "util/error.h"

namespace sesame::server {

using host::wsca::CardRefused;
using host::wsca::KeyInfo;
using host::wsca::UnitInfo;
using host::wsca::WscaClient;
using iso7816::wsca::CurveCode;
using iso7816::wsca::Ins;
using iso7816::wsca::KeyPolicy;
using nlohmann::json;

namespace {

// A request the API refuses before it reaches the card: 400 with this text as the detail.
class BadRequest final : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json body_object(const http::Request& req) {
  if (req.body.empty()) return json::object();
  json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw BadRequest("the body must be a JSON object");
  return j;
}

std::uint32_t decimal_u32(const std::string& s, const char* what) {
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos ||
      (s.size() > 1 && s[0] == '0'))
    throw BadRequest(std::string(what) + " must be a decimal number");
  const unsigned long long v = std::stoull(s);
  if (v > 0xFFFFFFFFull || v == 0) throw BadRequest(std::string(what) + " out of range");
  return static_cast<std::uint32_t>(v);
}

Bytes b64_field(const json& obj, const char* name) {
  if (!obj.contains(name) || !obj[name].is_string())
    throw BadRequest(std::string("missing string '") + name + "'");
  try {
    return base64url_decode(obj[name].get<std::string>());
  } catch (const Error&) {
    throw BadRequest(std::string("'") + name + "' is not base64url");
  }
}

WscaAuth auth_field(const json& body) {
  if (!body.contains("auth") || !body["auth"].is_object())
    throw BadRequest("missing 'auth' (ephemeral_key, envelope, signature: docs/WSCA.md)");
  const json& a = body["auth"];
  return WscaAuth{b64_field(a, "ephemeral_key"), b64_field(a, "envelope"), b64_field(a, "signature")};
}

Bytes p256_point_from_jwk(const json& jwk) {
  try {
    const crypto::EcPublicKey k = ec_key_from_jwk(jwk);
    if (k.curve() != crypto::Curve::p256) throw BadRequest("the device key must be P-256");
    return k.to_uncompressed_point();
  } catch (const Error& e) {
    throw BadRequest(std::string("device_key: ") + e.what());
  }
}

crypto::Curve curve_of(std::uint8_t code) {
  switch (static_cast<CurveCode>(code)) {
    case CurveCode::p256: return crypto::Curve::p256;
    case CurveCode::p384: return crypto::Curve::p384;
    case CurveCode::brainpool_p256r1: return crypto::Curve::brainpool_p256r1;
    default: fail(Errc::parse, "WSCA: unknown curve code");
  }
}

json point_jwk(std::uint8_t curve_code, ByteView point) {
  return ec_jwk(crypto::EcPublicKey::from_point(curve_of(curve_code), point));
}

json unit_json(const UnitInfo& u) {
  json j{{"unit", u.unit},
         {"state", u.state == iso7816::wsca::UnitState::active ? "active" : "created"},
         {"ka_key", point_jwk(static_cast<std::uint8_t>(CurveCode::p256), u.ka_public_key)}};
  if (!u.device_key.empty())
    j["device_key"] = point_jwk(static_cast<std::uint8_t>(CurveCode::p256), u.device_key);
  if (u.pin_tries) j["pin_tries"] = *u.pin_tries;
  if (u.puk_tries) j["puk_tries"] = *u.puk_tries;
  if (u.pin_delay > 0) j["pin_delay"] = u.pin_delay;
  return j;
}

json key_json(const KeyInfo& k) {
  return json{{"kid", std::to_string(k.id)},
              {"jwk", point_jwk(k.curve, k.public_point)},
              {"policy", k.policy == KeyPolicy::per_use ? "per_use" : "session"},
              {"window", k.window},
              {"label", std::string(k.label.begin(), k.label.end())},
              {"generated_in_wsca", (k.flags & iso7816::wsca::kFlagLocal) != 0},
              {"extractable", (k.flags & iso7816::wsca::kFlagNeverExtractable) == 0}};
}

http::Response no_content() {
  http::Response r;
  r.status = 204;
  return r;
}

// The one place every route's failures are translated (docs/WSCA.md, "Errors").
template <class F>
http::Response guarded(F&& f) {
  try {
    return f();
  } catch (const CardRefused& e) {
    return wsca_sw_problem(e.sw());
  } catch (const CardInUse& e) {
    return wsca_problem({409, "card-in-use", "Another transport holds the card"}, e.what());
  } catch (const BadRequest& e) {
    return wsca_bad_request(e.what());
  } catch (const json::exception&) {
    return wsca_bad_request("malformed JSON member");
  } catch (const Error& e) {
    if (e.code() == Errc::not_found) return wsca_problem({404, "no-card", "No such card"}, "no such card");
    throw;  // the router answers 500 and logs it
  }
}

}  // namespace

struct WscaApi::Impl {
  Impl(card::CardService& card_service, CardLocks& locks, const WscaRoutesConfig& cfg)
      : cards(card_service),
        config(cfg),
        service(card_service, locks),
        attester(WscaAttester::load_or_issue(cfg.pki_dir)),
        status(cfg.state_dir / "wsca") {}

  card::CardService& cards;
  WscaRoutesConfig config;
  WscaService service;
  WscaAttester attester;
  WscaStatusList status;

  bool service_has_card(const std::string& seid) const { return cards.exists(seid); }

  std::string status_uri(const std::string& seid) const {
    return config.public_base_url + "/v1/wsca/" + seid + "/status-list";
  }

  http::Response create_unit(const http::Request& req, const std::string& seid) {
    const json body = body_object(req);
    std::optional<Bytes> device, puk;
    if (body.contains("device_key")) device = p256_point_from_jwk(body["device_key"]);
    if (body.contains("puk")) {
      if (!body["puk"].is_string()) throw BadRequest("'puk' must be a string of digits");
      const std::string p = body["puk"];
      puk = Bytes(p.begin(), p.end());
    }
    UnitInfo info;
    service.with_card(seid, [&](WscaClient& c) {
      const std::uint32_t unit = c.create_unit(puk ? std::optional<ByteView>(*puk) : std::nullopt,
                                               device ? std::optional<ByteView>(*device) : std::nullopt);
      info = c.unit_info(unit);
    });
    return http::Response::json(201, dump(unit_json(info)));
  }

  http::Response activate(const http::Request& req, const std::string& seid, std::uint32_t unit) {
    const json body = body_object(req);
    if (!body.contains("device_key")) throw BadRequest("missing 'device_key' (a P-256 JWK)");
    const Bytes device = p256_point_from_jwk(body["device_key"]);
    const WscaAuth a = auth_field(body);
    UnitInfo info;
    service.with_card(seid, [&](WscaClient& c) {
      c.send_signed(Ins::activate, unit, device, {}, a.ephemeral_key, a.envelope, a.signature);
      c.logout(unit);
      info = c.unit_info(unit);
    });
    return http::Response::json(200, dump(unit_json(info)));
  }

  http::Response generate(const http::Request& req, const std::string& seid, std::uint32_t unit) {
    const json body = body_object(req);
    const std::string crv = body.value("crv", "P-256");
    CurveCode curve;
    if (crv == "P-256")
      curve = CurveCode::p256;
    else if (crv == "P-384")
      curve = CurveCode::p384;
    else if (crv == "brainpoolP256r1")
      curve = CurveCode::brainpool_p256r1;
    else
      throw BadRequest("crv: P-256, P-384 or brainpoolP256r1");
    const std::string pol = body.value("policy", "session");
    if (pol != "session" && pol != "per_use") throw BadRequest("policy: session or per_use");
    if (body.contains("window") && !body["window"].is_number_integer())
      throw BadRequest("window: an integer");
    const std::int64_t window = body.value("window", std::int64_t{300});
    if (window < 1 || window > 65535) throw BadRequest("window: 1..65535 seconds");
    const std::string label = body.value("label", "");
    const WscaAuth a = auth_field(body);
    const KeyPolicy policy = pol == "per_use" ? KeyPolicy::per_use : KeyPolicy::session;
    const auto w = static_cast<std::uint16_t>(window);
    const Bytes op =
        WscaClient::binding(Ins::generate_key, 0, WscaClient::generate_data(unit, curve, policy, w, as_bytes(label)));
    KeyInfo k;
    service.with_user(seid, unit, a, op,
                      [&](WscaClient& c) { k = c.generate_key(unit, curve, policy, w, as_bytes(label)); });
    return http::Response::json(201, dump(key_json(k)));
  }

  http::Response sign(const http::Request& req, const std::string& seid, std::uint32_t unit,
                      std::uint32_t kid) {
    const json body = body_object(req);
    const Bytes digest = b64_field(body, "digest");
    const std::string format = body.value("format", "raw");
    if (format != "raw" && format != "der") throw BadRequest("format: raw or der");
    const WscaAuth a = auth_field(body);
    const bool der = format == "der";
    const Bytes op = WscaClient::binding(Ins::sign, der ? iso7816::wsca::kSignDer : iso7816::wsca::kSignRaw,
                                         WscaClient::sign_data(unit, kid, digest));
    Bytes sig;
    service.with_user(seid, unit, a, op, [&](WscaClient& c) { sig = c.sign(unit, kid, digest, der); });
    return http::Response::json(200, dump(json{{"signature", base64url_encode(sig)}}));
  }

  // An OpenID4VCI proof JWT (typ "openid4vci-proof+jwt", §F.1) signed in the applet by the key:
  // the server builds header and claims (with the wallet's `iat`, so the wallet can compute the
  // same signing input and bind its authentication to the SIGN of its digest), the applet signs.
  http::Response pop(const http::Request& req, const std::string& seid, std::uint32_t unit,
                     std::uint32_t kid) {
    const json body = body_object(req);
    if (!body.contains("aud") || !body["aud"].is_string()) throw BadRequest("missing string 'aud'");
    if (!body.contains("iat") || !body["iat"].is_number_integer())
      throw BadRequest("missing integer 'iat' (the wallet's time, seconds since the epoch)");
    const std::int64_t iat = body["iat"].get<std::int64_t>();
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    if (iat < now - 300 || iat > now + 300) throw BadRequest("'iat' is more than 300 s away from sesamed's time");
    const WscaAuth a = auth_field(body);
    KeyInfo k;
    service.with_card(seid, [&](WscaClient& c) { k = c.key_info(unit, kid); });
    const crypto::EcPublicKey pub = crypto::EcPublicKey::from_point(curve_of(k.curve), k.public_point);
    const crypto::JwsAlg alg = [&] {
      try {
        return crypto::jws_alg_for(pub.curve());
      } catch (const Error&) {
        throw BadRequest("proofs need a P-256 or P-384 key");
      }
    }();
    json header{{"alg", std::string(crypto::jws_alg_name(alg))}, {"typ", "openid4vci-proof+jwt"}};
    if (body.contains("key_attestation")) {
      // Only an attestation of ours that names this very key goes into the proof.
      if (!body["key_attestation"].is_string()) throw BadRequest("'key_attestation' must be a JWT");
      json attested;
      try {
        attested = attester.verify_key_attestation(body["key_attestation"].get<std::string>(),
                                                   std::chrono::system_clock::now());
      } catch (const Error& e) {
        throw BadRequest(std::string("key_attestation: ") + e.what());
      }
      const json me = ec_jwk(pub);
      bool named = false;
      for (const auto& ak : attested["attested_keys"]) named = named || ak == me;
      if (!named) throw BadRequest("key_attestation does not attest this key");
      header["key_attestation"] = body["key_attestation"];
    } else {
      header["jwk"] = ec_jwk(pub);
    }
    json claims{{"aud", body["aud"]}, {"iat", iat}};
    if (body.contains("nonce")) claims["nonce"] = body["nonce"];
    if (body.contains("iss")) claims["iss"] = body["iss"];
    const std::string h = base64url_encode(as_bytes(header.dump())), p = base64url_encode(as_bytes(claims.dump()));
    const std::string input = h + "." + p;
    const Bytes digest =
        alg == crypto::JwsAlg::es256 ? crypto::sha256(as_bytes(input)) : crypto::sha384(as_bytes(input));
    const Bytes op =
        WscaClient::binding(Ins::sign, iso7816::wsca::kSignRaw, WscaClient::sign_data(unit, kid, digest));
    std::string jwt;
    service.with_user(seid, unit, a, op, [&](WscaClient& c) {
      jwt = input + "." + base64url_encode(c.sign(unit, kid, digest, false));
    });
    return http::Response::json(200, dump(json{{"proof", jwt}}));
  }

  http::Response attest(const http::Request& req, const std::string& seid, std::uint32_t unit) {
    const json body = body_object(req);
    if (!body.contains("keys") || !body["keys"].is_array() || body["keys"].empty() ||
        body["keys"].size() > 16)
      throw BadRequest("'keys': 1 to 16 key ids");
    std::vector<std::uint32_t> kids;
    for (const auto& k : body["keys"])
      kids.push_back(decimal_u32(k.is_string() ? k.get<std::string>() : k.dump(), "a key id"));
    std::optional<std::string> nonce;
    if (body.contains("nonce")) {
      if (!body["nonce"].is_string() || body["nonce"].get<std::string>().size() > 512)
        throw BadRequest("'nonce' must be a string (at most 512 characters)");
      nonce = body["nonce"].get<std::string>();
    }
    const std::string uri = status_uri(seid);
    const WscaAuth a = auth_field(body);
    if (status.revoked(seid, unit))
      return wsca_problem({409, "revoked", "The unit's attestations are revoked"}, "the unit is revoked");
    Bytes request;  // what the wallet bound its authentication to: the key ids, then the nonce
    for (std::uint32_t kid : kids) put_u32(request, kid);
    if (nonce) append(request, as_bytes(*nonce));
    const Bytes op = iso7816::wsca::operation_binding(iso7816::wsca::kRelayOperation,
                                                      iso7816::wsca::kRelayKeyAttestation, crypto::sha256(request));
    std::vector<json> jwks;
    service.with_user(seid, unit, a, op, [&](WscaClient& c) {
      for (std::uint32_t kid : kids) {  // the applet says, under this unit, what each key is
        const KeyInfo k = c.key_info(unit, kid);
        if (!(k.flags & iso7816::wsca::kFlagLocal) || !(k.flags & iso7816::wsca::kFlagNeverExtractable))
          throw BadRequest("key " + std::to_string(kid) + " is not a WSCA-generated, non-extractable key");
        jwks.push_back(point_jwk(k.curve, k.public_point));
      }
    });
    const std::string jwt =
        attester.key_attestation(jwks, nonce, StatusReference{unit, uri}, std::chrono::system_clock::now());
    spdlog::info("wsca: key attestation for card {} unit {} ({} key{})", seid, unit, kids.size(),
                 kids.size() == 1 ? "" : "s");
    return http::Response::json(201, dump(json{{"key_attestation", jwt}}));
  }
};

// (WscaApi::Impl continues: the wallet instance attestation, the key binding.)
http::Response wallet_attestation_route(WscaApi::Impl& m, const http::Request& req, const std::string& seid,
                                        std::uint32_t unit);
http::Response key_binding_route(WscaApi::Impl& m, const http::Request& req, const std::string& seid,
                                 std::uint32_t unit);

WscaApi::WscaApi(card::CardService& cards, CardLocks& locks, const WscaRoutesConfig& config)
    : impl_(std::make_unique<Impl>(cards, locks, config)) {}
WscaApi::~WscaApi() = default;

void WscaApi::add_routes(http::Router& router) {
  Impl& m = *impl_;
  using http::PathParams;
  using http::Peer;
  using http::Request;
  const auto unit_of = [](const PathParams& p) { return decimal_u32(p.at("unit"), "the unit"); };
  const auto kid_of = [](const PathParams& p) { return decimal_u32(p.at("kid"), "the key id"); };
  const std::string base = "/v1/wsca/{seid}/units";
  const std::string unit = base + "/{unit}";
  const std::string key = unit + "/keys/{kid}";

  router.add("POST", base, [&m](const Request& r, const Peer&, const PathParams& p) {
    return guarded([&] { return m.create_unit(r, p.at("seid")); });
  });
  router.add("GET", unit, [&m, unit_of](const Request&, const Peer&, const PathParams& p) {
    return guarded([&] {
      UnitInfo info;
      m.service.with_card(p.at("seid"), [&](WscaClient& c) { info = c.unit_info(unit_of(p)); });
      return http::Response::json(200, dump(unit_json(info)));
    });
  });
  router.add("DELETE", unit, [&m, unit_of](const Request& r, const Peer&, const PathParams& p) {
    return guarded([&] {
      const std::uint32_t u = unit_of(p);
      const WscaAuth a = auth_field(body_object(r));
      const Bytes op = WscaClient::binding(Ins::delete_unit, 0, WscaClient::unit_data(u));
      m.service.with_user(p.at("seid"), u, a, op, [&](WscaClient& c) { c.delete_unit(u); });
      m.status.revoke(p.at("seid"), u);  // its keys are gone: so are their attestations
      return no_content();
    });
  });
  router.add("POST", unit + "/challenge", [&m, unit_of](const Request&, const Peer&, const PathParams& p) {
    return guarded([&] {
      Bytes chal;
      m.service.with_card(p.at("seid"), [&](WscaClient& c) { chal = c.challenge(unit_of(p)); });
      return http::Response::json(200, dump(json{{"challenge", base64url_encode(chal)}}));
    });
  });
  router.add("POST", unit + "/activation", [&m, unit_of](const Request& r, const Peer&, const PathParams& p) {
    return guarded([&] { return m.activate(r, p.at("seid"), unit_of(p)); });
  });
  router.add("POST", unit + "/unblock", [&m, unit_of](const Request& r, const Peer&, const PathParams& p) {
    return guarded([&] {
      const std::uint32_t u = unit_of(p);
      const WscaAuth a = auth_field(body_object(r));
      m.service.with_card(p.at("seid"), [&](WscaClient& c) {
        c.send_signed(Ins::unblock, u, {}, {}, a.ephemeral_key, a.envelope, a.signature);
        c.logout(u);
      });
      return no_content();
    });
  });
  router.add("GET", unit + "/keys", [&m, unit_of](const Request&, const Peer&, const PathParams& p) {
    return guarded([&] {
      json keys = json::array();
      const std::uint32_t u = unit_of(p);
      m.service.with_card(p.at("seid"), [&](WscaClient& c) {
        for (std::uint32_t kid : c.list_keys(u)) keys.push_back(key_json(c.key_info(u, kid)));
      });
      return http::Response::json(200, dump(json{{"keys", keys}}));
    });
  });
  router.add("POST", unit + "/keys", [&m, unit_of](const Request& r, const Peer&, const PathParams& p) {
    return guarded([&] { return m.generate(r, p.at("seid"), unit_of(p)); });
  });
  router.add("GET", key, [&m, unit_of, kid_of](const Request&, const Peer&, const PathParams& p) {
    return guarded([&] {
      KeyInfo k;
      m.service.with_card(p.at("seid"), [&](WscaClient& c) { k = c.key_info(unit_of(p), kid_of(p)); });
      return http::Response::json(200, dump(key_json(k)));
    });
  });
  router.add("DELETE", key, [&m, unit_of, kid_of](const Request& r, const Peer&, const PathParams& p) {
    return guarded([&] {
      const std::uint32_t u = unit_of(p), kid = kid_of(p);
      const WscaAuth a = auth_field(body_object(r));
      const Bytes op = WscaClient::binding(Ins::delete_key, 0, WscaClient::key_data(u, kid));
      m.service.with_user(p.at("seid"), u, a, op, [&](WscaClient& c) { c.delete_key(u, kid); });
      return no_content();
    });
  });
  router.add("POST", key + "/sign",
             [&m, unit_of, kid_of](const Request& r, const Peer&, const PathParams& p) {
               return guarded([&] { return m.sign(r, p.at("seid"), unit_of(p), kid_of(p)); });
             });
  router.add("POST", key + "/pop", [&m, unit_of, kid_of](const Request& r, const Peer&, const PathParams& p) {
    return guarded([&] { return m.pop(r, p.at("seid"), unit_of(p), kid_of(p)); });
  });
  router.add("POST", unit + "/attestations",
             [&m, unit_of](const Request& r, const Peer&, const PathParams& p) {
               return guarded([&] { return m.attest(r, p.at("seid"), unit_of(p)); });
             });
  router.add("POST", unit + "/wallet-attestation",
             [&m, unit_of](const Request& r, const Peer&, const PathParams& p) {
               return guarded([&] { return wallet_attestation_route(m, r, p.at("seid"), unit_of(p)); });
             });
  router.add("POST", unit + "/key-binding",
             [&m, unit_of](const Request& r, const Peer&, const PathParams& p) {
               return guarded([&] { return key_binding_route(m, r, p.at("seid"), unit_of(p)); });
             });
  router.add("POST", unit + "/revocation",
             [&m, unit_of](const Request&, const Peer& peer, const PathParams& p) {
               return guarded([&] {
                 if (!m.config.provider_clients.contains(peer.client_cn))
                   return wsca_problem({403, "not-provider", "Only the wallet provider may revoke"},
                                       "this client certificate is not the wallet provider's");
                 if (!m.service_has_card(p.at("seid")))
                   return wsca_problem({404, "no-card", "No such card"}, "no such card");
                 m.status.revoke(p.at("seid"), unit_of(p));
                 spdlog::info("wsca: {} revoked the attestations of card {} unit {}", peer.client_cn,
                              p.at("seid"), unit_of(p));
                 return no_content();
               });
             });
  router.add("GET", "/v1/wsca/{seid}/status-list", [&m](const Request&, const Peer&, const PathParams& p) {
    return guarded([&] {
      const std::string& seid = p.at("seid");
      if (!m.service_has_card(seid)) return wsca_problem({404, "no-card", "No such card"}, "no such card");
      http::Response resp;
      resp.headers["Content-Type"] = "application/statuslist+jwt";
      resp.body = m.attester.status_list_token(m.status_uri(seid), m.status.bits(seid),
                                               std::chrono::system_clock::now());
      return resp;
    });
  });
}

http::Response wallet_attestation_route(WscaApi::Impl& m, const http::Request& req, const std::string& seid,
                                        std::uint32_t unit) {
  const json body = body_object(req);
  if (!body.contains("client_id") || !body["client_id"].is_string() ||
      body["client_id"].get<std::string>().empty() || body["client_id"].get<std::string>().size() > 512)
    throw BadRequest("missing 'client_id' (a string of at most 512 characters)");
  const std::string uri = m.status_uri(seid);
  const WscaAuth a = auth_field(body);
  if (m.status.revoked(seid, unit))
    return wsca_problem({409, "revoked", "The unit's attestations are revoked"}, "the unit is revoked");
  const std::string client_id = body["client_id"].get<std::string>();
  const Bytes op = iso7816::wsca::operation_binding(iso7816::wsca::kRelayOperation,
                                                    iso7816::wsca::kRelayWalletAttestation,
                                                    crypto::sha256(as_bytes(client_id)));
  UnitInfo info;
  m.service.with_user(seid, unit, a, op, [&](WscaClient& c) { info = c.unit_info(unit); });
  const std::string& iss = m.config.public_base_url;
  const std::string jwt =
      m.attester.wallet_attestation(iss, body["client_id"].get<std::string>(),
                                    point_jwk(static_cast<std::uint8_t>(CurveCode::p256), info.device_key),
                                    StatusReference{unit, uri}, std::chrono::system_clock::now());
  return http::Response::json(201, dump(json{{"wallet_attestation", jwt}}));
}

// Every key signs one transcript in the applet (BIND KEYS); sesamed wraps the proofs in a JWT under
// the WSCA attestation key. The wallet binds its authentication to that BIND KEYS command.
http::Response key_binding_route(WscaApi::Impl& m, const http::Request& req, const std::string& seid,
                                 std::uint32_t unit) {
  const json body = body_object(req);
  if (!body.contains("keys") || !body["keys"].is_array() || body["keys"].empty() ||
      body["keys"].size() > iso7816::wsca::kMaxBoundKeys)
    throw BadRequest("'keys': 1 to 16 key ids");
  std::vector<std::uint32_t> kids;
  for (const auto& k : body["keys"])
    kids.push_back(decimal_u32(k.is_string() ? k.get<std::string>() : k.dump(), "a key id"));
  if (!body.contains("nonce") || !body["nonce"].is_string() || body["nonce"].get<std::string>().empty() ||
      body["nonce"].get<std::string>().size() > iso7816::wsca::kMaxBindingNonce)
    throw BadRequest("'nonce': a string of 1 to 128 bytes");
  const std::string nonce = body["nonce"].get<std::string>();
  const WscaAuth a = auth_field(body);
  if (m.status.revoked(seid, unit))
    return wsca_problem({409, "revoked", "The unit's attestations are revoked"}, "the unit is revoked");
  const Bytes op =
      WscaClient::binding(Ins::bind_keys, 0, WscaClient::bind_keys_data(unit, as_bytes(nonce), kids));
  WscaClient::KeyBinding b;
  std::vector<json> keys;
  m.service.with_user(seid, unit, a, op, [&](WscaClient& c) {
    b = c.bind_keys(unit, as_bytes(nonce), kids);
    for (std::size_t i = 0; i < kids.size(); ++i) {
      const KeyInfo k = c.key_info(unit, kids[i]);
      keys.push_back(json{{"jwk", point_jwk(k.curve, k.public_point)}, {"proof", base64url_encode(b.proofs[i])}});
    }
  });
  const std::string jwt = m.attester.key_binding(nonce, b.transcript, keys, StatusReference{unit, m.status_uri(seid)},
                                                 std::chrono::system_clock::now());
  return http::Response::json(201, dump(json{{"key_binding", jwt}}));
}

}  // namespace sesame::server
