// Maps method + path to a handler. Paths are literal segments and {name} parameters
// ("/v1/units/{unit}/keys"); an unknown path answers 404, a known path with another method 405
// with Allow, both as problem documents. A handler that throws gets a 500 problem whose detail
// never carries the exception text (it may name internals); the text goes to the log.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "server/http/http_message.h"

namespace sesame::server::http {

// Who is asking: the TLS client certificate's subject CN (empty without one) and the peer address.
struct Peer {
  std::string client_cn;
  std::string address;
};

using PathParams = std::map<std::string, std::string>;
using Handler = std::function<Response(const Request&, const Peer&, const PathParams&)>;

class Router {
 public:
  void add(std::string method, const std::string& pattern, Handler handler);
  Response dispatch(const Request& request, const Peer& peer) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" matches any one non-empty segment
    Handler handler;
  };
  std::vector<Route> routes_;
};

std::vector<std::string> split_path(const std::string& path);

}  // namespace sesame::server::http
