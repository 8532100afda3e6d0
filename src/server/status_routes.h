// The HTTPS service's own resources (docs/HTTP.md): GET /health for load balancers and GET /v1/info
// for a client checking what it reached and who the server thinks it is.
#pragma once

#include "server/http/router.h"

namespace sesame::card {
class CardService;
}

namespace sesame::server {

void add_status_routes(http::Router& router, card::CardService& cards);

}  // namespace sesame::server
