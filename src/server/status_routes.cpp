#include "server/status_routes.h"

#include <nlohmann/json.hpp>

#include "card/card_service.h"

namespace sesame::server {

void add_status_routes(http::Router& router, card::CardService& cards) {
  router.add("GET", "/health", [](const http::Request&, const http::Peer&, const http::PathParams&) {
    return http::Response::json(200, R"({"status":"ok"})");
  });
  router.add("GET", "/v1/info", [&cards](const http::Request&, const http::Peer& peer, const http::PathParams&) {
    nlohmann::json j{{"server", "sesamed"},
                     {"cards", cards.list_cards().size()},
                     {"client_certificate_cn", peer.client_cn.empty() ? nlohmann::json(nullptr)
                                                                      : nlohmann::json(peer.client_cn)}};
    return http::Response::json(200, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  });
}

}  // namespace sesame::server
